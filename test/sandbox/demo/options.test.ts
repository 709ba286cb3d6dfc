import test from "ava";
import { ConfigError } from "../../../lib/shared/env.js";
import { DEMO_DEFAULTS, demoPolicyEnv, demoRateWindowSeconds, parseDemoArgs } from "../../../sandbox/demo/options.js";

test("no arguments give the defaults; --help is recognised", (t) => {
  t.deepEqual(parseDemoArgs([]), { ...DEMO_DEFAULTS });
  t.is(parseDemoArgs(["--help"]), "help");
  t.is(parseDemoArgs(["-h"]), "help");
});

test("every option is read", (t) => {
  t.deepEqual(
    parseDemoArgs([
      "--out",
      "/tmp/run",
      "--time-limit",
      "300",
      "--ramp",
      "5",
      "--hold",
      "30",
      "--concurrency",
      "5",
      "--min-size",
      "2",
      "--max-size",
      "6",
      "--tick",
      "2",
      "--scrape",
      "2",
      "--pending",
      "4",
      "--group-interval",
      "2",
      "--boot",
      "1",
      "--up-cpu",
      "70",
      "--down-cpu",
      "30",
      "--keep-running",
    ]),
    {
      out: "/tmp/run",
      timeLimitSeconds: 300,
      rampSeconds: 5,
      holdSeconds: 30,
      concurrency: 5,
      minSize: 2,
      maxSize: 6,
      tickSeconds: 2,
      scrapeSeconds: 2,
      pendingSeconds: 4,
      groupIntervalSeconds: 2,
      bootSeconds: 1,
      upCpuPercent: 70,
      downCpuPercent: 30,
      keepRunning: true,
    },
  );
});

test("every bad option is listed at once; an unknown flag points at --help", (t) => {
  const error = t.throws(() => parseDemoArgs(["--tick", "0", "--min-size", "4", "--max-size", "4", "--up-cpu", "x"]), {
    instanceOf: ConfigError,
  });
  t.deepEqual(error.problems, [
    "--tick must be at least 1, got 0",
    '--up-cpu must be a whole number, got "x"',
    "--min-size (4) must be below --max-size (4) for the pool to grow",
  ]);
  const unknown = t.throws(() => parseDemoArgs(["--fast"]), { instanceOf: ConfigError });
  t.regex(unknown.problems[0] ?? "", /--fast.*--help/);
});

test("the scaler's waits are compressed like the loop: warm-up = boot + rate window + one evaluation, cooldown = two ticks", (t) => {
  t.is(demoRateWindowSeconds({ scrapeSeconds: 1 }), 4);
  t.is(demoRateWindowSeconds({ scrapeSeconds: 5 }), 20);
  t.deepEqual(demoPolicyEnv({ bootSeconds: 3, scrapeSeconds: 1, tickSeconds: 3 }), {
    SCALE_UP_WARMUP_SECONDS: "8",
    SCALE_DOWN_COOLDOWN_SECONDS: "6",
  });
  t.deepEqual(demoPolicyEnv({ bootSeconds: 10, scrapeSeconds: 2, tickSeconds: 5 }), {
    SCALE_UP_WARMUP_SECONDS: "20",
    SCALE_DOWN_COOLDOWN_SECONDS: "10",
  });
});
