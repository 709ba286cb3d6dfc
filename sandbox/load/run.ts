/**
 * Runs a load profile with autocannon: each launch of the plan (profile.ts) is one autocannon run with that
 * many connections, lasting until the end of the whole run, so connections are only ever added and no request
 * is cut short by a stage change. Every answer and error of every run is counted here, in one histogram, so
 * the summary covers the whole run. Requests still in flight at the end are not counted.
 */
import autocannon, { type AutocannonInstance } from "autocannon";
import { messageOf } from "../../lib/shared/errors.js";
import type { LoadOptions } from "./args.js";
import { concurrencyAt, planLaunches, planStages, type Launch } from "./profile.js";
import { LatencyHistogram, errorKind, formatProgress, statusKind, type LoadReport } from "./report.js";

export interface LoadIo {
  /** Gets one progress line per second (without a line break). */
  progress?: (line: string) => void;
  /** Aborting stops the run early; the report says so. */
  signal?: AbortSignal;
}

/** Extra seconds given to each autocannon run beyond the end: the runner stops them itself, all at once. */
const RUN_SLACK_SECONDS = 30;

export async function runLoad(options: LoadOptions, io: LoadIo = {}): Promise<LoadReport> {
  const stages = planStages(options.profile, options.concurrency, options.durationSeconds);
  const launches = planLaunches(stages);
  const totalMs = options.durationSeconds * 1000;
  const histogram = new LatencyHistogram();
  const errors: Record<string, number> = {};
  const runs: AutocannonInstance[] = [];
  const runsDone: Promise<void>[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let responses = 0;
  let ok = 0;
  let lastSecond = 0;
  let ended = false;
  let failure: string | undefined;
  const startedAt = Date.now();
  const elapsedMs = (): number => Date.now() - startedAt;
  const countError = (kind: string): void => {
    errors[kind] = (errors[kind] ?? 0) + 1;
  };
  const errorCount = (): number => Object.values(errors).reduce((sum, n) => sum + n, 0);

  let finish: () => void = () => undefined;
  const endOfRun = new Promise<void>((resolve) => (finish = resolve));

  const launch = (step: Launch): void => {
    if (ended) return;
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const run = autocannon(
      {
        url: options.url,
        connections: step.connections,
        duration: (totalMs - step.atMs) / 1000 + RUN_SLACK_SECONDS,
        timeout: options.timeoutSeconds,
      },
      (error) => {
        if (error && failure === undefined) {
          failure = `autocannon: ${messageOf(error)}`;
          finish();
        }
        settle();
      },
    );
    run.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      if (ended) return;
      responses += 1;
      lastSecond += 1;
      if (statusCode >= 200 && statusCode < 300) {
        ok += 1;
        histogram.record(responseTimeMs);
      } else countError(statusKind(statusCode));
    });
    run.on("reqError", (error) => {
      if (!ended) countError(errorKind(error));
    });
    runs.push(run);
    runsDone.push(done);
  };

  const later = (ms: number, callback: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, ms);
    timers.add(timer);
  };

  for (const step of launches) {
    if (step.atMs === 0) launch(step);
    else later(step.atMs, () => launch(step));
  }
  const ticker = setInterval(() => {
    io.progress?.(
      formatProgress({
        elapsedSeconds: elapsedMs() / 1000,
        responses,
        lastSecond,
        errors: errorCount(),
        concurrency: concurrencyAt(stages, elapsedMs()),
      }),
    );
    lastSecond = 0;
  }, 1000);
  later(totalMs, finish);
  const onAbort = (): void => finish();
  if (io.signal?.aborted) finish();
  io.signal?.addEventListener("abort", onAbort, { once: true });

  await endOfRun;
  ended = true;
  const durationSeconds = Math.min(elapsedMs(), totalMs) / 1000;
  clearInterval(ticker);
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  io.signal?.removeEventListener("abort", onAbort);
  for (const run of runs) run.stop();
  await Promise.all(runsDone);

  const report: LoadReport = {
    url: options.url,
    profile: options.profile,
    concurrency: options.concurrency,
    durationSeconds,
    responses,
    ok,
    errors,
    interrupted: io.signal?.aborted === true,
  };
  const [p50, p90, p99] = [50, 90, 99].map((p) => histogram.percentile(p));
  if (p50 !== undefined && p90 !== undefined && p99 !== undefined) report.latency = { p50, p90, p99, count: histogram.count };
  if (failure !== undefined) report.failure = failure;
  return report;
}
