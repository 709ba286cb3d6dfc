/**
 * Wires the SD agent together from the environment: config → SD_FILE checks → API client and its start-up
 * check → metrics server → agent loop. Everything that can refuse to start runs before the metrics server
 * listens and the loop runs, so an exit 2 has nothing of ours left to close.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createExoscaleClient, resolveEndpoint } from "../../lib/exoscale/client.js";
import { clientOptionsFromEnv } from "../../lib/exoscale/env.js";
import { checkApiAccess } from "../../lib/exoscale/startupCheck.js";
import type { ComputeApi } from "../../lib/exoscale/types.js";
import { ConfigError } from "../../lib/shared/env.js";
import { messageOf } from "../../lib/shared/errors.js";
import type { RunningService } from "../../lib/shared/lifecycle.js";
import { createLogger, type Logger } from "../../lib/shared/log.js";
import { startMetricsServer, type MetricsServer } from "../../lib/shared/metricsServer.js";
import { createSdAgent, type SdAgent, type SdAgentOptions } from "./agent.js";
import { readSdAgentConfig, type SdAgentConfig } from "./config.js";
import { createSdAgentMetrics, type SdAgentMetrics } from "./metrics.js";

export interface SdAgentDeps {
  logger?: Logger;
  createApi?: (config: SdAgentConfig, logger: Logger) => ComputeApi;
  metrics?: SdAgentMetrics;
  onRefresh?: SdAgentOptions["onRefresh"];
}

export interface RunningSdAgent extends RunningService {
  config: SdAgentConfig;
  agent: SdAgent;
  metrics: SdAgentMetrics;
  /** Where /metrics is served, when enabled. */
  metricsUrl?: string;
}

/** The client the agent uses: fewer retries than the default, since the next interval retries anyway. */
export function createSdAgentApi(config: SdAgentConfig, logger: Logger): ComputeApi {
  return createExoscaleClient({
    ...clientOptionsFromEnv(config.exoscale),
    // The per-attempt timeout is EXOSCALE_API_TIMEOUT_SECONDS, not the interval: an API slower than a
    // short interval must still be answered (the loop waits for a refresh, it never overlaps them).
    retry: { limit: 2, maxRetryAfterMs: Math.max(1_000, config.intervalMs), budgetMs: Math.max(2_000, config.intervalMs) },
    logger,
  });
}

/**
 * Creates SD_FILE's directory and refuses an SD_FILE that is a directory itself (a ConfigError: the setting
 * is wrong). Other failures name SD_FILE and the path.
 */
async function prepareSdFile(sdFile: string): Promise<void> {
  await mkdir(dirname(sdFile), { recursive: true }).catch((error: unknown) => {
    throw new Error(`cannot create the directory of SD_FILE ${sdFile}: ${messageOf(error)}`, { cause: error });
  });
  const existing = await stat(sdFile).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read SD_FILE ${sdFile}: ${messageOf(error)}`, { cause: error });
  });
  if (existing?.isDirectory()) {
    throw new ConfigError([`SD_FILE ${sdFile} is a directory: point SD_FILE at a file in it, e.g. ${join(sdFile, "config.json")}`]);
  }
}

export async function startSdAgent(env: Readonly<Record<string, string | undefined>>, deps: SdAgentDeps = {}): Promise<RunningSdAgent> {
  const config = readSdAgentConfig(env);
  const logger = deps.logger ?? createLogger("sd-agent");
  const metrics = deps.metrics ?? createSdAgentMetrics();
  await prepareSdFile(config.sdFile);
  const api = (deps.createApi ?? createSdAgentApi)(config, logger);
  await checkApiAccess(api, config.exoscale.poolIds, logger);
  let metricsServer: MetricsServer | undefined;
  if (config.metrics) {
    metricsServer = await startMetricsServer({
      registry: metrics.registry,
      port: config.metrics.port,
      host: config.metrics.host,
      variables: { portVariable: "METRICS_PORT", hostVariable: "METRICS_HOST" },
    });
  }
  const agent = createSdAgent({
    api,
    poolIds: config.exoscale.poolIds,
    targetPort: config.targetPort,
    sdFile: config.sdFile,
    intervalMs: config.intervalMs,
    zone: config.exoscale.zone,
    logger,
    metrics,
    ...(deps.onRefresh ? { onRefresh: deps.onRefresh } : {}),
  });
  try {
    await agent.start();
  } catch (error) {
    await metricsServer?.close();
    throw error;
  }
  logger.info("sd agent started", {
    pools: config.exoscale.poolIds,
    endpoint: resolveEndpoint(config.exoscale.zone, config.exoscale.endpoint),
    file: config.sdFile,
    targetPort: config.targetPort,
    intervalSeconds: config.intervalMs / 1000,
    metrics: metricsServer ? `${metricsServer.url}/metrics` : "off",
  });
  return {
    config,
    agent,
    metrics,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    async stop() {
      await agent.stop();
      await metricsServer?.close();
      logger.info("sd agent stopped", {});
    },
  };
}
