/**
 * Wires the scaler together: config → signal store, pool target, loop, HTTP app. The API client is the
 * real Exoscale client unless the caller (a test) passes whatever ComputeApi it runs against.
 */
import { createServer } from "node:http";
import { createExoscaleClient } from "../../lib/exoscale/client.js";
import { clientOptionsFromEnv } from "../../lib/exoscale/env.js";
import { checkApiAccess } from "../../lib/exoscale/startupCheck.js";
import type { ComputeApi } from "../../lib/exoscale/types.js";
import { closeServer, listenOrExplain, urlOf } from "../../lib/shared/http.js";
import { isRecord } from "../../lib/shared/json.js";
import type { RunningService } from "../../lib/shared/lifecycle.js";
import { createLogger, type Logger } from "../../lib/shared/log.js";
import { createApp } from "./app.js";
import { authConfigured } from "./auth.js";
import { readScalerConfig, type ScalerConfig } from "./config.js";
import { ExoscalePoolTarget } from "./targets/exoscalePool.js";
import { DecisionLoop } from "./loop.js";
import { createScalerMetrics, type ScalerMetrics } from "./metrics.js";
import { SignalStore } from "./signalStore.js";
import { STATE_VERSION, StateFile } from "./stateFile.js";
import { renderStatus } from "./status.js";

/** How the webhook receiver bounds its clients: Grafana and Alertmanager send small bodies at once. */
export interface HttpLimits {
  /** Whole request, body included; a slower client gets 408. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are dropped at once. */
  maxConnections: number;
  /** How often the timeouts above are checked (Node checks every 30 s by default). */
  checkIntervalMs: number;
}

export const WEBHOOK_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 128,
  checkIntervalMs: 1_000,
});

export interface ScalerDeps {
  /** Tighter limits for tests. */
  httpLimits?: Partial<HttpLimits>;
  /** Builds the API client from the validated config (default: createScalerApi). */
  createApi?: (config: ScalerConfig, logger: Logger) => ComputeApi;
  logger?: Logger;
  now?: () => number;
  /** Turn off prom-client's process metrics (tests start many scalers in one process). */
  defaultMetrics?: boolean;
}

export interface RunningScaler extends RunningService {
  url: string;
  port: number;
  config: ScalerConfig;
  loop: DecisionLoop;
  store: SignalStore;
  metrics: ScalerMetrics;
}

/**
 * The Exoscale client the scaler uses: the shared EXOSCALE_* settings, and retries bounded to a quarter of a
 * tick (at least 1 s, at most 15 s per call), so a long Retry-After never keeps a tick from ending in time.
 */
export function createScalerApi(config: ScalerConfig, logger: Logger): ComputeApi {
  const budgetMs = Math.min(15_000, Math.max(1_000, config.tickMs / 4));
  return createExoscaleClient({ ...clientOptionsFromEnv(config.exoscale), retry: { budgetMs }, logger });
}

/**
 * Takes back what a previous run saved (STATE_FILE), dropping what has expired since, and returns the file
 * to save to; without STATE_FILE the scaler says once that a restart forgets held signals.
 */
async function openStateFile(
  config: ScalerConfig,
  logger: Logger,
  now: () => number,
  store: SignalStore,
  target: ExoscalePoolTarget,
): Promise<StateFile | undefined> {
  if (config.stateFile === undefined) {
    logger.info("STATE_FILE not set: held signals and pending changes live in memory only and a restart forgets them");
    return undefined;
  }
  const file = new StateFile(config.stateFile, {
    logger,
    now,
    snapshot: () => ({
      version: STATE_VERSION,
      savedAt: new Date(now()).toISOString(),
      targetId: config.poolId,
      signals: store.exportState(),
      target: target.exportState(),
    }),
  });
  const saved = await file.load();
  if (saved === undefined) return file;
  if (saved.targetId !== config.poolId) {
    logger.warn("the state file is about another pool; not taking it back", { stateFile: config.stateFile, savedFor: saved.targetId });
    return file;
  }
  store.importState(saved.signals, now());
  const targetTaken = target.importState(saved.target);
  if (!targetTaken) logger.warn("the state file's pending change is not in a known shape; ignoring it", { stateFile: config.stateFile });
  const held = store.snapshot(now());
  logger.info("state restored", {
    stateFile: config.stateFile,
    savedAt: saved.savedAt,
    signalsUp: held.up.length,
    signalsDown: held.down.length,
    changeInFlight: targetTaken && isRecord(saved.target) && saved.target["change"] !== undefined,
  });
  return file;
}

export async function startScaler(env: Readonly<Record<string, string | undefined>>, deps: ScalerDeps = {}): Promise<RunningScaler> {
  const config = readScalerConfig(env);
  const logger = deps.logger ?? createLogger("scaler", { level: config.logLevel });
  const now = deps.now ?? Date.now;
  const metrics = createScalerMetrics({ defaultMetrics: deps.defaultMetrics ?? true });
  const api = (deps.createApi ?? createScalerApi)(config, logger);
  // Wrong credentials or an unknown pool stop the scaler here (exit 2); an API that is down only warns.
  await checkApiAccess(api, [config.poolId], logger);
  const store = new SignalStore(config.signalTtlMs, { logger, onDrop: (kind) => metrics.signalsDropped.inc({ kind }) });
  // Called only once the state file below is open (its target's hook runs during a tick, not before).
  const persist = async (): Promise<void> => {
    await stateFile?.save();
  };
  const target = new ExoscalePoolTarget(api, config.poolId, logger, { zone: config.exoscale.zone, beforeChange: persist });
  const stateFile = await openStateFile(config, logger, now, store, target);
  const loop = new DecisionLoop({
    target,
    store,
    policy: config.policy,
    tickMs: config.tickMs,
    dryRun: config.dryRun,
    logger,
    metrics,
    now,
    persist,
  });
  if (!authConfigured(config.auth)) {
    logger.warn("no webhook auth configured: anyone who can reach the port can scale the pool; set WEBHOOK_TOKEN or WEBHOOK_HMAC_SECRET", {
      listenHost: config.listenHost,
    });
  }
  const app = createApp({
    store,
    auth: config.auth,
    bodyLimitBytes: config.bodyLimitBytes,
    cpuValueRef: config.cpuValueRef,
    metrics,
    logger,
    status: () => renderStatus(loop.status(), store.snapshot(now()), config),
    persist,
    nextTickAt: () => loop.nextTickIso(),
    now,
  });
  const limits = { ...WEBHOOK_HTTP_LIMITS, ...deps.httpLimits };
  const http = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    app,
  );
  http.maxConnections = limits.maxConnections;
  const address = await listenOrExplain(http, config.listenPort, config.listenHost, {
    portVariable: "LISTEN_PORT",
    hostVariable: "LISTEN_HOST",
  });
  const { port } = address;
  loop.start();
  logger.info("scaler started", {
    listen: `${config.listenHost}:${port}`,
    poolId: config.poolId,
    zone: config.exoscale.zone,
    tickSeconds: config.tickMs / 1000,
    minSize: config.policy.minSize,
    maxSize: config.policy.maxSize,
    mode: config.policy.mode,
    victim: config.policy.victim,
    dryRun: config.dryRun,
    stateFile: config.stateFile ?? "none (memory only)",
  });
  return {
    url: urlOf(address),
    port,
    config,
    loop,
    store,
    metrics,
    stop: async () => {
      // Stop accepting first: a signal accepted (202) now would be lost with the process. Then let a tick
      // in flight finish without applying anything.
      const closing = closeServer(http);
      await loop.stop();
      await closing;
      await persist();
      logger.info("scaler stopped");
    },
  };
}
