import test from "ava";
import { readSdAgentConfig } from "../../../services/sd-agent/config.js";
import { ConfigError } from "../../../lib/shared/env.js";

const POOL = "9a3c5a6e-1f2b-4c3d-8e4f-5a6b7c8d9e0f";
const OTHER = "0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a";
const BASE = { EXOSCALE_KEY: "EXOabc", EXOSCALE_SECRET: "s3cret", EXOSCALE_ZONE: "at-vie-1", EXOSCALE_INSTANCEPOOL_ID: POOL };

test("defaults: port 9100, /srv/service-discovery/config.json, 10 s, metrics on 127.0.0.1:9101, zone endpoint", (t) => {
  t.deepEqual(readSdAgentConfig(BASE), {
    exoscale: { key: "EXOabc", secret: "s3cret", zone: "at-vie-1", poolIds: [POOL], timeoutMs: 10_000 },
    targetPort: 9100,
    sdFile: "/srv/service-discovery/config.json",
    intervalMs: 10_000,
    metrics: { port: 9101, host: "127.0.0.1" },
  });
});

test("overrides, a comma-separated pool list (deduplicated) and metrics off", (t) => {
  const config = readSdAgentConfig({
    ...BASE,
    EXOSCALE_INSTANCEPOOL_ID: ` ${POOL}, ${OTHER},${POOL.toUpperCase()} `,
    EXOSCALE_API_ENDPOINT: "http://127.0.0.1:8081/v2/",
    TARGET_PORT: "9200",
    SD_FILE: "/tmp/sd/targets.json",
    SD_INTERVAL_SECONDS: "3",
    METRICS_PORT: "off",
  });
  t.deepEqual(config.exoscale.poolIds, [POOL, OTHER]);
  t.is(config.exoscale.endpoint, "http://127.0.0.1:8081/v2");
  t.is(config.targetPort, 9200);
  t.is(config.sdFile, "/tmp/sd/targets.json");
  t.is(config.intervalMs, 3_000);
  t.is(config.metrics, undefined);
  t.deepEqual(readSdAgentConfig({ ...BASE, METRICS_PORT: "0", METRICS_HOST: "0.0.0.0" }).metrics, { port: 0, host: "0.0.0.0" });
});

test("every problem is reported at once, without echoing the secret", (t) => {
  const error = t.throws(
    () =>
      readSdAgentConfig({
        EXOSCALE_SECRET: "do-not-print-me",
        EXOSCALE_ZONE: "mars-1",
        EXOSCALE_INSTANCEPOOL_ID: "web-pool",
        TARGET_PORT: "70000",
        SD_FILE: "/srv/service-discovery/",
        SD_INTERVAL_SECONDS: "0",
        METRICS_PORT: "ninety",
        EXOSCALE_API_ENDPOINT: "ftp://example",
      }),
    { instanceOf: ConfigError },
  );
  t.is(error.problems.length, 8, error.message);
  t.regex(error.message, /EXOSCALE_KEY is required/);
  t.regex(error.message, /EXOSCALE_ZONE must be one of ch-gva-2, .*got "mars-1"/);
  t.regex(error.message, /EXOSCALE_INSTANCEPOOL_ID must be instance pool UUIDs/);
  t.regex(error.message, /TARGET_PORT must be at most 65535/);
  t.regex(error.message, /SD_FILE must be a file ending in \.json/);
  t.regex(error.message, /SD_INTERVAL_SECONDS must be at least 1/);
  t.regex(error.message, /METRICS_PORT must be a whole number/);
  t.regex(error.message, /EXOSCALE_API_ENDPOINT must be an http\(s\) URL/);
  t.notRegex(error.message, /do-not-print-me/);
  t.throws(() => readSdAgentConfig({ ...BASE, EXOSCALE_INSTANCEPOOL_ID: " , " }), { message: /EXOSCALE_INSTANCEPOOL_ID is required/ });
});

test("METRICS_HOST must be an IP address or a well-formed host name", (t) => {
  for (const good of ["127.0.0.1", "0.0.0.0", "::1", "::", "localhost", "monitoring.internal"]) {
    t.is(readSdAgentConfig({ ...BASE, METRICS_HOST: good }).metrics?.host, good, good);
  }
  for (const bad of ["256.1.1.1", "my host", "[::1]", "http://127.0.0.1", "127.0.0.1:9101"]) {
    const error = t.throws(() => readSdAgentConfig({ ...BASE, METRICS_HOST: bad }), { instanceOf: ConfigError });
    t.deepEqual(
      error.problems,
      [`METRICS_HOST must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1) or a host name such as localhost, got "${bad}"`],
      bad,
    );
  }
});

test("the API timeout is EXOSCALE_API_TIMEOUT_SECONDS whatever the interval", (t) => {
  t.is(readSdAgentConfig({ ...BASE, SD_INTERVAL_SECONDS: "1" }).exoscale.timeoutMs, 10_000);
  t.is(readSdAgentConfig({ ...BASE, SD_INTERVAL_SECONDS: "1", EXOSCALE_API_TIMEOUT_SECONDS: "30" }).exoscale.timeoutMs, 30_000);
});
