import test from "ava";
import {
  LatencyHistogram,
  errorKind,
  exitCodeFor,
  formatMs,
  formatProgress,
  formatSummary,
  progressWriter,
  type LoadReport,
} from "../../../sandbox/load/report.js";

function within(t: { true(value: boolean, message?: string): void }, actual: number | undefined, expected: number, message: string): void {
  t.true(actual !== undefined && Math.abs(actual - expected) <= expected * 0.01, `${message}: ${actual} is not within 1 % of ${expected}`);
}

test("histogram percentiles are nearest-rank, within 1 %", (t) => {
  const histogram = new LatencyHistogram();
  for (let ms = 1; ms <= 1000; ms += 1) histogram.record(ms);
  t.is(histogram.count, 1000);
  within(t, histogram.percentile(50), 500, "p50");
  within(t, histogram.percentile(90), 900, "p90");
  within(t, histogram.percentile(99), 990, "p99");
  t.is(histogram.percentile(100), 1000, "the top is the exact maximum");
});

test("histogram: one value is exact; empty has no percentile; junk is ignored", (t) => {
  const histogram = new LatencyHistogram();
  t.is(histogram.percentile(50), undefined);
  histogram.record(10_000);
  histogram.record(Number.NaN);
  histogram.record(-1);
  t.is(histogram.count, 1);
  t.is(histogram.percentile(50), 10_000);
  t.is(histogram.percentile(99), 10_000);
});

test("histogram: skewed data keeps its tail", (t) => {
  const histogram = new LatencyHistogram();
  for (let i = 0; i < 990; i += 1) histogram.record(10);
  for (let i = 0; i < 10; i += 1) histogram.record(20_000);
  within(t, histogram.percentile(50), 10, "p50");
  within(t, histogram.percentile(99), 10, "p99 is the 990th value");
  t.is(histogram.percentile(99.1), 20_000);
});

test("errors are counted by kind: timeout, socket code, or message", (t) => {
  t.is(errorKind(new Error("request timed out")), "timeout");
  t.is(errorKind(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })), "ECONNREFUSED");
  t.is(errorKind(new Error("something odd")), "something odd");
});

test("the progress line says elapsed, requests, errors and concurrency", (t) => {
  t.is(
    formatProgress({ elapsedSeconds: 3.02, responses: 120, lastSecond: 40, errors: 2, concurrency: 4 }),
    "[  3 s] requests 120 (+40/s)  errors 2  concurrency 4",
  );
});

const REPORT: LoadReport = {
  url: "http://127.0.0.1:8000/load",
  profile: "ramp",
  concurrency: 10,
  durationSeconds: 60,
  responses: 130,
  ok: 120,
  errors: { "HTTP 503": 10, timeout: 2, ECONNRESET: 2 },
  latency: { p50: 10_012, p90: 20_500, p99: 31_000, count: 120 },
  interrupted: false,
};

test("the summary gives requests, errors by kind, latency percentiles and duration", (t) => {
  t.is(
    formatSummary(REPORT),
    [
      "summary: GET http://127.0.0.1:8000/load, profile ramp, concurrency up to 10",
      "  duration  60.0 s",
      "  requests  130 answered (2xx: 120, other: 10), 2.17/s",
      "  errors    14 (HTTP 503: 10, ECONNRESET: 2, timeout: 2)",
      "  latency   p50 10.01 s, p90 20.50 s, p99 31.00 s (120 2xx answers)",
      "",
    ].join("\n"),
  );
  const empty = formatSummary({ ...REPORT, responses: 0, ok: 0, errors: {}, interrupted: true, durationSeconds: 2.5, latency: undefined });
  t.regex(empty, /concurrency up to 10 \(stopped early\)\n/);
  t.regex(empty, /\n {2}errors {4}0\n/);
  t.regex(empty, /latency {3}n\/a \(no 2xx answer\)/);
  t.regex(formatSummary({ ...REPORT, failure: "autocannon: boom" }), /\n {2}failed {4}autocannon: boom\n$/);
});

test("latencies print in ms below a second and in seconds above", (t) => {
  t.deepEqual([formatMs(0.42), formatMs(12.4), formatMs(999), formatMs(10_012)], ["0.4 ms", "12 ms", "999 ms", "10.01 s"]);
});

test("exit code: 0 when done, 1 when the run failed or nothing succeeded", (t) => {
  t.is(exitCodeFor(REPORT), 0);
  t.is(exitCodeFor({ ...REPORT, ok: 0 }), 1, "only errors");
  t.is(exitCodeFor({ ...REPORT, ok: 0, responses: 0, errors: {} }), 0, "nothing answered yet is not a failure (a 10 s /load in a 2 s run)");
  t.is(exitCodeFor({ ...REPORT, failure: "boom" }), 1);
});

test("progress: plain lines without a terminal; on one, each line replaces the last", (t) => {
  const plain: string[] = [];
  const pipe = progressWriter({ isTTY: false, write: (text) => plain.push(text) });
  pipe.line("a");
  pipe.line("b");
  pipe.end();
  t.deepEqual(plain, ["a\n", "b\n"]);

  const tty: string[] = [];
  const terminal = progressWriter({ isTTY: true, write: (text) => tty.push(text) });
  terminal.line("a");
  terminal.line("b");
  terminal.end();
  t.deepEqual(tty, ["\r\x1b[2Ka", "\r\x1b[2Kb", "\n"]);
});
