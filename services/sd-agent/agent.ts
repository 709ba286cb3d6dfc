/**
 * The refresh loop: every interval, list each pool's members, render the file_sd document, and replace the
 * file only when the text changed. A failed refresh changes nothing on disk: Prometheus keeps scraping the
 * last known members until the API answers again.
 */
import { readFile } from "node:fs/promises";
import { ExoscaleApiError } from "../../lib/exoscale/errors.js";
import { readPool } from "../../lib/exoscale/pool.js";
import type { ComputeApi } from "../../lib/exoscale/types.js";
import { WireShapeError } from "../../lib/exoscale/wire.js";
import { messageOf, toError } from "../../lib/shared/errors.js";
import type { Logger } from "../../lib/shared/log.js";
import { writeFileAtomic } from "../../lib/shared/atomicWrite.js";
import type { RefreshErrorKind, SdAgentMetrics } from "./metrics.js";
import { readTargets, renderFileSd, targetGroups, targetsOf, type PoolMembers } from "./render.js";

export interface SdAgentOptions {
  api: ComputeApi;
  poolIds: string[];
  targetPort: number;
  sdFile: string;
  intervalMs: number;
  /** Added as the exoscale_zone label. */
  zone?: string;
  logger: Logger;
  metrics: SdAgentMetrics;
  /** Clock in ms (default Date.now). */
  now?: () => number;
  /** File writer (default: atomic write). */
  write?: (path: string, content: string) => Promise<void>;
  /** Called after every refresh of the loop (for tests and diagnostics). */
  onRefresh?: (outcome: RefreshOutcome) => void;
}

export type RefreshOutcome = { ok: true; changed: boolean; targets: string[] } | { ok: false; kind: RefreshErrorKind; error: Error };

export interface SdAgent {
  /** One refresh now; never throws. */
  refresh(): Promise<RefreshOutcome>;
  /**
   * Reads the existing file (to avoid a needless rewrite), refreshes at once, then every interval. Rejects,
   * naming SD_FILE and the path, when an existing file cannot be read.
   */
  start(): Promise<void>;
  /** Stops the loop; waits for a write in progress so no temp file is left behind. */
  stop(): Promise<void>;
}

class WriteError extends Error {
  constructor(path: string, cause: unknown) {
    super(`cannot write ${path}: ${messageOf(cause)}`, { cause });
    this.name = "WriteError";
  }
}

class InconsistentResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InconsistentResponseError";
  }
}

export function classifyError(error: unknown): RefreshErrorKind {
  if (error instanceof ExoscaleApiError) return error.kind === "operation" ? "other" : error.kind;
  if (error instanceof WriteError) return "write";
  if (error instanceof WireShapeError || error instanceof SyntaxError || error instanceof InconsistentResponseError) {
    return "invalid_response";
  }
  return "other";
}

export function createSdAgent(options: SdAgentOptions): SdAgent {
  const now = options.now ?? Date.now;
  const write = options.write ?? writeFileAtomic;
  const { api, logger, metrics } = options;
  let lastContent: string | undefined;
  let lastTargets: string[] = [];
  let consecutiveFailures = 0;
  let lastErrorKind: RefreshErrorKind | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | undefined;

  async function listPools(): Promise<PoolMembers[]> {
    return Promise.all(
      options.poolIds.map(async (poolId) => {
        // Reading the pool too turns a wrong id or zone into a clear 404 instead of a silently empty list.
        const { pool, members } = await readPool(api, poolId);
        // A pool that has members but whose listing shows none of them is a broken answer, not an empty pool:
        // writing [] would stop every scrape.
        if (pool.instanceIds.length > 0 && members.length === 0) {
          throw new InconsistentResponseError(
            `instance pool ${poolId} reports ${pool.instanceIds.length} member(s) but listing its instances returned none`,
          );
        }
        return { poolId, members };
      }),
    );
  }

  async function refresh(): Promise<RefreshOutcome> {
    const endTimer = metrics.duration.startTimer();
    try {
      const pools = await listPools();
      const groups = targetGroups(pools, options.targetPort, options.zone);
      const content = renderFileSd(groups);
      const targets = targetsOf(groups);
      let changed = false;
      if (content !== lastContent && !stopped) {
        writing = write(options.sdFile, content).catch((error: unknown) => {
          throw new WriteError(options.sdFile, error);
        });
        try {
          await writing;
        } finally {
          writing = undefined;
        }
        changed = true;
        metrics.writes.inc();
        const before = new Set(lastTargets);
        const after = new Set(targets);
        logger.info("targets changed", {
          file: options.sdFile,
          targets: targets.length,
          added: targets.filter((target) => !before.has(target)),
          removed: lastTargets.filter((target) => !after.has(target)),
        });
        lastContent = content;
      }
      lastTargets = targets;
      metrics.targets.set(targets.length);
      metrics.lastSuccess.set(now() / 1000);
      if (consecutiveFailures > 0) {
        logger.info("refresh recovered", { failures: consecutiveFailures, targets: targets.length });
        consecutiveFailures = 0;
        lastErrorKind = undefined;
      }
      return { ok: true, changed, targets };
    } catch (caught) {
      const error = toError(caught);
      const kind = classifyError(error);
      metrics.errors.inc({ kind });
      consecutiveFailures += 1;
      // One line when trouble starts or changes kind, not one every interval of a long outage. Not keyed on
      // the message: it names whichever of the parallel calls failed first, which varies from one refresh to
      // the next within the same outage.
      if (consecutiveFailures === 1 || kind !== lastErrorKind) {
        const level = kind === "auth" || kind === "not_found" || kind === "write" ? "error" : "warn";
        logger[level]("refresh failed; keeping the last good file", {
          kind,
          error: error.message,
          failures: consecutiveFailures,
          file: options.sdFile,
        });
      }
      lastErrorKind = kind;
      return { ok: false, kind, error };
    } finally {
      endTimer();
    }
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    const started = now();
    const outcome = await refresh();
    options.onRefresh?.(outcome);
    if (stopped) return;
    // Fixed rate: a slow refresh does not push every later one back.
    timer = setTimeout(() => void tick(), Math.max(0, options.intervalMs - (now() - started)));
  }

  return {
    refresh,
    async start() {
      try {
        const content = await readFile(options.sdFile, "utf8");
        const targets = readTargets(content);
        if (targets !== undefined) {
          lastContent = content;
          lastTargets = targets;
          metrics.targets.set(targets.length);
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
          throw new Error(`cannot read SD_FILE ${options.sdFile} at start: ${messageOf(error)}`, { cause: error });
        }
      }
      void tick();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (writing) await writing.catch(() => undefined);
    },
  };
}
