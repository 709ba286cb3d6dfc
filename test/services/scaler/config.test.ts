import test from "ava";
import { readScalerConfig } from "../../../services/scaler/config.js";
import { isListenHost } from "../../../lib/shared/net.js";
import { ConfigError } from "../../../lib/shared/env.js";

const BASE = {
  EXOSCALE_KEY: "EXOkey",
  EXOSCALE_SECRET: "secret",
  EXOSCALE_ZONE: "at-vie-1",
  EXOSCALE_INSTANCEPOOL_ID: "7f8e5a4c-1111-2222-3333-444455556666",
};

test("defaults: the tuned policy the benchmark chose; SCALING_PRESET=course is exactly the assignment", (t) => {
  t.deepEqual(readScalerConfig(BASE).policy, {
    minSize: 1,
    maxSize: 10,
    mode: "proportional",
    targetCpu: 20,
    scaleDownTargetCpu: 60,
    maxStep: 10,
    scaleUpWarmupMs: 240_000,
    scaleDownCooldownMs: 120_000,
    flapGuard: true,
    scaleUpCpu: 80,
    victim: "any",
  });
  t.like(readScalerConfig({ ...BASE, SCALING_PRESET: "course" }), {
    tickMs: 60_000,
    policy: { minSize: 1, maxSize: 10, mode: "step", scaleUpWarmupMs: 0, scaleDownCooldownMs: 0, victim: "any" },
  });
  // A setting given explicitly wins over the preset.
  t.like(readScalerConfig({ ...BASE, SCALING_PRESET: "course", SCALE_UP_WARMUP_SECONDS: "30" }).policy, {
    mode: "step",
    scaleUpWarmupMs: 30_000,
  });
  t.like(readScalerConfig({ ...BASE, SCALING_MODE: "step" }).policy, { mode: "step", scaleDownCooldownMs: 120_000 });
  const bad = t.throws(() => readScalerConfig({ ...BASE, SCALING_PRESET: "fast" }), { instanceOf: ConfigError });
  t.true(
    bad?.problems.some((p) => p.includes("SCALING_PRESET")),
    JSON.stringify(bad?.problems),
  );
});

test("SCALE_DOWN_TARGET_CPU: below SCALE_UP_CPU, and by default at most three quarters of it", (t) => {
  t.is(readScalerConfig({ ...BASE, SCALE_UP_CPU: "60" }).policy.scaleDownTargetCpu, 45);
  t.is(readScalerConfig({ ...BASE, SCALE_UP_CPU: "90" }).policy.scaleDownTargetCpu, 60);
  t.is(readScalerConfig({ ...BASE, SCALE_DOWN_TARGET_CPU: "70" }).policy.scaleDownTargetCpu, 70);
  const error = t.throws(() => readScalerConfig({ ...BASE, SCALE_DOWN_TARGET_CPU: "80" }), { instanceOf: ConfigError });
  t.deepEqual(error?.problems, ["SCALE_DOWN_TARGET_CPU (80) must be below SCALE_UP_CPU (80), or a scale-in would fire the up alert"]);
  // In step mode there is no scale-in target to check.
  t.is(readScalerConfig({ ...BASE, SCALING_MODE: "step", SCALE_DOWN_TARGET_CPU: "90" }).policy.scaleDownTargetCpu, 90);
});

test("the service settings' defaults", (t) => {
  const c = readScalerConfig(BASE);
  t.like(c, {
    listenHost: "127.0.0.1",
    listenPort: 8090,
    tickMs: 60_000,
    dryRun: false,
    signalTtlMs: 600_000,
    bodyLimitBytes: 1024 * 1024,
    cpuValueRef: "B",
    exoscale: { key: "EXOkey", secret: "secret", zone: "at-vie-1", timeoutMs: 10_000 },
    poolId: "7f8e5a4c-1111-2222-3333-444455556666",
  });
  t.is(c.auth.token, undefined);
  t.is(c.auth.hmacSecret, undefined);
  t.is(c.exoscale.endpoint, undefined);
});

test("every option is read", (t) => {
  const c = readScalerConfig({
    ...BASE,
    EXOSCALE_API_ENDPOINT: "http://127.0.0.1:8123/v2/",
    LISTEN_HOST: "127.0.0.1",
    LISTEN_PORT: "9000",
    TICK_SECONDS: "1",
    MIN_SIZE: "2",
    MAX_SIZE: "5",
    SCALING_MODE: "proportional",
    TARGET_CPU: "60.5",
    SCALE_DOWN_TARGET_CPU: "70",
    MAX_STEP: "2",
    SCALE_UP_WARMUP_SECONDS: "180",
    SCALE_DOWN_COOLDOWN_SECONDS: "300",
    FLAP_GUARD: "false",
    SCALE_UP_CPU: "85",
    SCALE_IN_VICTIM: "oldest",
    DRY_RUN: "true",
    SIGNAL_TTL_SECONDS: "0",
    WEBHOOK_BODY_LIMIT_BYTES: "4096",
    WEBHOOK_TOKEN: "t",
    WEBHOOK_HMAC_SECRET: "h",
    WEBHOOK_HMAC_TIMESTAMP_HEADER: "X-Ts",
    WEBHOOK_HMAC_MAX_SKEW_SECONDS: "60",
    WEBHOOK_HMAC_REQUIRE_TIMESTAMP: "true",
    CPU_VALUE_REF: "A",
  });
  t.like(c, {
    exoscale: { endpoint: "http://127.0.0.1:8123/v2" },
    listenHost: "127.0.0.1",
    listenPort: 9000,
    tickMs: 1000,
    dryRun: true,
    signalTtlMs: 0,
    bodyLimitBytes: 4096,
    auth: { token: "t", hmacSecret: "h", hmacTimestampHeader: "X-Ts", hmacMaxSkewMs: 60_000, hmacRequireTimestamp: true },
    cpuValueRef: "A",
    policy: {
      minSize: 2,
      maxSize: 5,
      mode: "proportional",
      targetCpu: 60.5,
      scaleDownTargetCpu: 70,
      maxStep: 2,
      scaleUpWarmupMs: 180_000,
      scaleDownCooldownMs: 300_000,
      flapGuard: false,
      scaleUpCpu: 85,
      victim: "oldest",
    },
  });
});

test("SCALE_IN_VICTIM=pool lets the pool choose (the policy's any)", (t) => {
  t.is(readScalerConfig({ ...BASE, SCALE_IN_VICTIM: "pool" }).policy.victim, "any");
  t.is(readScalerConfig({ ...BASE, SCALE_IN_VICTIM: "newest" }).policy.victim, "newest");
});

test("MIN_SIZE must be at least 1 (at 0 no CPU series could ever ask for a member again); MIN_SIZE = MAX_SIZE is allowed", (t) => {
  const error = t.throws(() => readScalerConfig({ ...BASE, MIN_SIZE: "0" }), { instanceOf: ConfigError });
  t.true(error?.problems.some((p) => p === "MIN_SIZE must be at least 1, got 0"));
  t.like(readScalerConfig({ ...BASE, MIN_SIZE: "1" }).policy, { minSize: 1 });
  t.like(readScalerConfig({ ...BASE, MIN_SIZE: "3", MAX_SIZE: "3" }).policy, { minSize: 3, maxSize: 3 });
});

test("every problem is listed at once", (t) => {
  const error = t.throws(
    () =>
      readScalerConfig({
        EXOSCALE_ZONE: "mars-1",
        TICK_SECONDS: "60s",
        MIN_SIZE: "5",
        MAX_SIZE: "3",
        SCALING_MODE: "fast",
        SCALE_IN_VICTIM: "random",
        DRY_RUN: "maybe",
        EXOSCALE_API_ENDPOINT: "ftp://x",
        LISTEN_PORT: "70000",
      }),
    { instanceOf: ConfigError },
  );
  const problems = error?.problems ?? [];
  for (const pattern of [
    /EXOSCALE_KEY is required/,
    /EXOSCALE_SECRET is required/,
    /EXOSCALE_INSTANCEPOOL_ID is required/,
    /EXOSCALE_ZONE must be one of .*"mars-1"/,
    /TICK_SECONDS must be a whole number/,
    /MIN_SIZE \(5\) must not be greater than MAX_SIZE \(3\)/,
    /SCALING_MODE must be one of step, proportional/,
    /SCALE_IN_VICTIM must be one of pool, newest, oldest/,
    /DRY_RUN must be true or false/,
    /EXOSCALE_API_ENDPOINT must be an http\(s\) URL/,
    /LISTEN_PORT must be at most 65535/,
  ]) {
    t.true(
      problems.some((p) => pattern.test(p)),
      `${pattern} in ${JSON.stringify(problems)}`,
    );
  }
});

test("EXOSCALE_INSTANCEPOOL_ID must be exactly one pool UUID", (t) => {
  const problems = (value: string): readonly string[] =>
    t.throws(() => readScalerConfig({ ...BASE, EXOSCALE_INSTANCEPOOL_ID: value }), { instanceOf: ConfigError })?.problems ?? [];
  t.true(problems("x").some((p) => /EXOSCALE_INSTANCEPOOL_ID must be an instance pool UUID, got "x"/.test(p)));
  t.true(
    problems("7f8e5a4c-1111-2222-3333-444455556666,0b5c8f4e-7a1d-4c3b-9e2f-6d8a1b2c3d4e").some((p) =>
      /exactly one instance pool, got 2/.test(p),
    ),
  );
  t.is(
    readScalerConfig({ ...BASE, EXOSCALE_INSTANCEPOOL_ID: " 7F8E5A4C-1111-2222-3333-444455556666 " }).poolId,
    "7f8e5a4c-1111-2222-3333-444455556666",
  );
});

test("LISTEN_HOST must be an IP address or a well-formed host name", (t) => {
  for (const good of ["0.0.0.0", "127.0.0.1", "::1", "::", "localhost", "monitoring.internal", "host-1.example.com."]) {
    t.is(readScalerConfig({ ...BASE, LISTEN_HOST: good }).listenHost, good, good);
  }
  for (const bad of ["256.1.1.1", "1.2.3", "my host", "-bad.example", "exa_mple.com", "[::1]", "a..b", `${"a".repeat(64)}.com`]) {
    t.false(isListenHost(bad), bad);
    const error = t.throws(() => readScalerConfig({ ...BASE, LISTEN_HOST: bad }), { instanceOf: ConfigError });
    t.true(
      error?.problems.some((p) => p.startsWith("LISTEN_HOST must be an IP address") && p.includes(`"${bad}"`)),
      bad,
    );
  }
});
