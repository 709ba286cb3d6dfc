/**
 * The provisioning run, in dependency order: wait for Grafana's health, then the data source (the rules
 * and the dashboard query it), the folder (rules and dashboard live in it), the dashboard, the rule group,
 * the contact point, and last the policy tree (it may only name receivers that exist). One log line per
 * object; the first failure stops the run and is thrown to the caller.
 */
import {
  GRAFANA_UIDS,
  grafanaContactPoint,
  grafanaDashboard,
  grafanaDashboardSave,
  grafanaDatasource,
  grafanaFolder,
  grafanaRoute,
  grafanaRuleGroup,
} from "../../contracts/grafana.js";
import type { Logger } from "../../lib/shared/log.js";
import { createGrafanaClient, type GrafanaClient } from "./client.js";
import type { ProvisionerConfig } from "./config.js";
import { waitForGrafana } from "./health.js";
import type { StepResult } from "./steps/common.js";
import { ensureContactPoint } from "./steps/contactPoint.js";
import { ensureDashboard } from "./steps/dashboard.js";
import { ensureDatasource } from "./steps/datasource.js";
import { ensureFolder } from "./steps/folder.js";
import { ensurePolicies } from "./steps/policies.js";
import { ensureRuleGroup } from "./steps/ruleGroup.js";

export interface ProvisionDeps {
  logger: Logger;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Between health probes (default 1 s). */
  healthIntervalMs?: number;
  /** Per-attempt request timeout (default 10 s). */
  timeoutMs?: number;
  retry?: { limit?: number; baseDelayMs?: number };
}

export type Step = (client: GrafanaClient) => Promise<StepResult>;

/** The steps in the order they must run. */
export function provisioningSteps(config: ProvisionerConfig): Step[] {
  const folderUid = GRAFANA_UIDS.folder;
  return [
    (client) => ensureDatasource(client, grafanaDatasource(config.prometheusUrl)),
    (client) => ensureFolder(client, grafanaFolder()),
    (client) => ensureDashboard(client, grafanaDashboardSave(grafanaDashboard(config.spec), folderUid)),
    (client) => ensureRuleGroup(client, grafanaRuleGroup(config.spec, { folderUid, cpuValueRef: config.cpuValueRef })),
    (client) =>
      ensureContactPoint(
        client,
        grafanaContactPoint({
          scalerUrl: config.scalerUrl,
          ...(config.webhookToken !== undefined ? { webhookToken: config.webhookToken } : {}),
        }),
      ),
    (client) => ensurePolicies(client, grafanaRoute(config.spec)),
  ];
}

export async function provision(config: ProvisionerConfig, deps: ProvisionDeps): Promise<StepResult[]> {
  const { logger } = deps;
  const version = await waitForGrafana({
    url: config.grafanaUrl,
    waitMs: config.waitMs,
    logger,
    ...(deps.healthIntervalMs !== undefined ? { intervalMs: deps.healthIntervalMs } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  logger.info("Grafana is healthy", { url: config.grafanaUrl, ...(version !== undefined ? { version } : {}) });
  const client = createGrafanaClient({
    url: config.grafanaUrl,
    user: config.grafanaUser,
    password: config.grafanaPassword,
    logger,
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const results: StepResult[] = [];
  for (const step of provisioningSteps(config)) {
    const result = await step(client);
    logger.info(`${result.object} ${result.outcome}`, { ...result });
    results.push(result);
  }
  return results;
}
