/**
 * The provisioner as the bundle runs it: configuration from the environment, warnings about settings
 * that work but are probably wrong, the run, and a closing summary line.
 */
import { isIP } from "node:net";
import { createLogger, type Logger } from "../../lib/shared/log.js";
import { readProvisionerConfig, type ProvisionerConfig } from "./config.js";
import { provision, type ProvisionDeps } from "./provision.js";
import type { StepResult } from "./steps/common.js";

export interface ProvisionerDeps extends Partial<ProvisionDeps> {
  logger?: Logger;
}

/** Loopback: a name for this host, 127.0.0.0/8, or ::1. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return isIP(host) === 6 && (host === "::1" || host === "0:0:0:0:0:0:0:1");
}

function warnings(config: ProvisionerConfig, logger: Logger): void {
  if (config.webhookToken === undefined) {
    logger.warn("WEBHOOK_TOKEN is not set: the contact point sends no credentials, so only a scaler without WEBHOOK_TOKEN accepts it", {
      scalerUrl: config.scalerUrl,
    });
  } else if (new URL(config.scalerUrl).protocol === "http:" && !isLoopbackUrl(config.scalerUrl)) {
    logger.warn("SCALER_URL is plain http to another host: the webhook token crosses the network unencrypted", {
      scalerUrl: config.scalerUrl,
    });
  }
}

export async function provisionGrafana(
  env: Readonly<Record<string, string | undefined>>,
  deps: ProvisionerDeps = {},
): Promise<StepResult[]> {
  const config = readProvisionerConfig(env);
  const logger = deps.logger ?? createLogger("grafana-provisioner");
  warnings(config, logger);
  logger.info("provisioning Grafana", {
    grafana: config.grafanaUrl,
    user: config.grafanaUser,
    prometheus: config.prometheusUrl,
    webhook: `${config.scalerUrl}/webhook`,
    waitSeconds: config.waitMs / 1000,
  });
  const results = await provision(config, { ...deps, logger });
  const count = (outcome: StepResult["outcome"]): number => results.filter((r) => r.outcome === outcome).length;
  logger.info("Grafana provisioned", { created: count("created"), updated: count("updated"), unchanged: count("unchanged") });
  return results;
}
