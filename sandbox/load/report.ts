/**
 * What the load tool counts and prints, as pure pieces: a latency histogram that merges any number of
 * connections in constant memory, the tally of errors by kind, the progress line and the summary.
 */

/** Relative precision of latency percentiles: 1 %. */
const PRECISION = 0.01;
/** Latencies below this (ms) share the first bucket. */
const FLOOR_MS = 0.01;

/** Log-scale buckets (1 % wide): fixed memory whatever the request count, percentiles within 1 %. */
export class LatencyHistogram {
  private readonly buckets = new Map<number, number>();
  private total = 0;
  private least = Number.POSITIVE_INFINITY;
  private most = 0;

  get count(): number {
    return this.total;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const index = ms <= FLOOR_MS ? 0 : Math.ceil(Math.log(ms / FLOOR_MS) / Math.log(1 + PRECISION));
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.total += 1;
    this.least = Math.min(this.least, ms);
    this.most = Math.max(this.most, ms);
  }

  /** The nearest-rank percentile (0 < p ≤ 100), within 1 % and never outside [min, max]; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index)!;
      if (seen >= rank) {
        const upper = FLOOR_MS * (1 + PRECISION) ** index;
        return Math.min(this.most, Math.max(this.least, upper));
      }
    }
    return this.most;
  }
}

/** The kind an error is counted under: `timeout`, a socket error code (ECONNREFUSED, …), or `HTTP 503`. */
export function errorKind(error: unknown): string {
  if (error instanceof Error && /timed out/i.test(error.message)) return "timeout";
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  return error instanceof Error ? error.message : String(error);
}

export function statusKind(status: number): string {
  return `HTTP ${status}`;
}

export interface ProgressSample {
  elapsedSeconds: number;
  /** Answers so far (any status). */
  responses: number;
  /** Answers in the last second. */
  lastSecond: number;
  errors: number;
  concurrency: number;
}

/** Pure: one progress line, e.g. `[  3 s] requests 120 (+40/s)  errors 0  concurrency 4`. */
export function formatProgress(sample: ProgressSample): string {
  const elapsed = String(Math.round(sample.elapsedSeconds)).padStart(3);
  return `[${elapsed} s] requests ${sample.responses} (+${sample.lastSecond}/s)  errors ${sample.errors}  concurrency ${sample.concurrency}`;
}

/** Progress lines: plain lines without a terminal; on one, each line replaces the last. */
export function progressWriter(stream: { isTTY?: boolean; write(text: string): unknown }): { line(text: string): void; end(): void } {
  let pending = false;
  return {
    line(text) {
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${text}`);
        pending = true;
      } else stream.write(`${text}\n`);
    },
    end() {
      if (pending) stream.write("\n");
      pending = false;
    },
  };
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  /** Answers measured (2xx). */
  count: number;
}

export interface LoadReport {
  url: string;
  profile: string;
  /** Peak connections. */
  concurrency: number;
  /** How long it ran, in seconds. */
  durationSeconds: number;
  /** Answers received, any status. */
  responses: number;
  /** Of which 2xx. */
  ok: number;
  /** Non-2xx answers (`HTTP 503`), timeouts and socket errors, by kind. */
  errors: Record<string, number>;
  latency?: LatencySummary;
  /** Stopped early (Ctrl-C). */
  interrupted: boolean;
  /** Why the run itself failed, if it did (as opposed to requests failing). */
  failure?: string;
}

export function totalErrors(report: Pick<LoadReport, "errors">): number {
  return Object.values(report.errors).reduce((sum, n) => sum + n, 0);
}

/** 0 done; 1 when the run failed, or requests failed and none succeeded. */
export function exitCodeFor(report: LoadReport): 0 | 1 {
  if (report.failure !== undefined) return 1;
  return report.ok === 0 && totalErrors(report) > 0 ? 1 : 0;
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** Pure: the summary printed at the end. */
export function formatSummary(report: LoadReport): string {
  const errors = totalErrors(report);
  const kinds = Object.entries(report.errors)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([kind, n]) => `${kind}: ${n}`)
    .join(", ");
  const rate = report.durationSeconds > 0 ? report.responses / report.durationSeconds : 0;
  const lines = [
    `summary: GET ${report.url}, profile ${report.profile}, concurrency up to ${report.concurrency}${report.interrupted ? " (stopped early)" : ""}`,
    `  duration  ${report.durationSeconds.toFixed(1)} s`,
    `  requests  ${report.responses} answered (2xx: ${report.ok}, other: ${report.responses - report.ok}), ${rate.toFixed(2)}/s`,
    `  errors    ${errors}${errors > 0 ? ` (${kinds})` : ""}`,
    report.latency
      ? `  latency   p50 ${formatMs(report.latency.p50)}, p90 ${formatMs(report.latency.p90)}, p99 ${formatMs(report.latency.p99)} (${report.latency.count} 2xx answers)`
      : "  latency   n/a (no 2xx answer)",
  ];
  if (report.failure !== undefined) lines.push(`  failed    ${report.failure}`);
  return `${lines.join("\n")}\n`;
}
