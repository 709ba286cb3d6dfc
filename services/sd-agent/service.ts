/** Wires the SD agent together from the environment: config → API client → agent loop + metrics server. */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { createExoscaleClient, resolveEndpoint } from "../../lib/exoscale/client.js";
import { clientOptionsFromEnv } from "../../lib/exoscale/env.js";
import type { ComputeApi } from "../../lib/exoscale/types.js";
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
    timeoutMs: Math.min(10_000, Math.max(2_000, config.intervalMs)),
    retry: { limit: 2, maxRetryAfterMs: Math.max(1_000, config.intervalMs) },
    logger,
  });
}

export async function startSdAgent(env: Readonly<Record<string, string | undefined>>, deps: SdAgentDeps = {}): Promise<RunningSdAgent> {
  const config = readSdAgentConfig(env);
  const logger = deps.logger ?? createLogger("sd-agent");
  const metrics = deps.metrics ?? createSdAgentMetrics();
  const api = (deps.createApi ?? createSdAgentApi)(config, logger);
  // Fail at start, with the path in the message, when the directory cannot be created.
  await mkdir(dirname(config.sdFile), { recursive: true }).catch((error: unknown) => {
    throw new Error(`cannot create the directory of SD_FILE ${config.sdFile}: ${messageOf(error)}`);
  });
  let metricsServer: MetricsServer | undefined;
  if (config.metrics) {
    metricsServer = await startMetricsServer({ registry: metrics.registry, port: config.metrics.port, host: config.metrics.host });
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
