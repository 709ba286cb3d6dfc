import test from "ava";
import { ConfigError, EnvReader } from "../../../lib/shared/env.js";
import { clientOptionsFromEnv, isUuid, readExoscaleEnv } from "../../../lib/exoscale/env.js";

const POOL = "6F1C3E7A-0000-4000-8000-000000000001";
const OTHER = "9a3c5a6e-1f2b-4c3d-8e4f-5a6b7c8d9e0f";

function problems(env: Record<string, string>, multiplePools: boolean): readonly string[] {
  const read = new EnvReader(env);
  readExoscaleEnv(read, { multiplePools });
  const error = (() => {
    try {
      read.finish();
      return undefined;
    } catch (e) {
      return e;
    }
  })();
  return error instanceof ConfigError ? error.problems : [];
}

test("reads the shared Exoscale settings, lower-cases and de-duplicates pool ids", (t) => {
  const read = new EnvReader({
    EXOSCALE_KEY: "EXOkey",
    EXOSCALE_SECRET: "s",
    EXOSCALE_ZONE: "at-vie-1",
    EXOSCALE_INSTANCEPOOL_ID: `${POOL},${POOL.toLowerCase()}, ${OTHER}`,
    EXOSCALE_API_ENDPOINT: "http://127.0.0.1:8081/v2/",
  });
  const env = readExoscaleEnv(read, { multiplePools: true });
  read.finish();
  t.deepEqual(env, {
    key: "EXOkey",
    secret: "s",
    zone: "at-vie-1",
    poolIds: [POOL.toLowerCase(), OTHER],
    timeoutMs: 10_000,
    endpoint: "http://127.0.0.1:8081/v2",
  });
  t.deepEqual(clientOptionsFromEnv(env), {
    key: "EXOkey",
    secret: "s",
    zone: "at-vie-1",
    timeoutMs: 10_000,
    endpoint: "http://127.0.0.1:8081/v2",
  });
});

test("lists every missing or malformed setting at once", (t) => {
  t.deepEqual(problems({ EXOSCALE_ZONE: "mars-1", EXOSCALE_INSTANCEPOOL_ID: "x", EXOSCALE_API_ENDPOINT: "nope" }, false), [
    "EXOSCALE_KEY is required (the API key, EXO…)",
    "EXOSCALE_SECRET is required (the API key's secret)",
    'EXOSCALE_ZONE must be one of ch-gva-2, ch-dk-2, de-fra-1, de-muc-1, at-vie-1, at-vie-2, bg-sof-1, hr-zag-1, got "mars-1"',
    'EXOSCALE_INSTANCEPOOL_ID must be an instance pool UUID, got "x"',
    'EXOSCALE_API_ENDPOINT must be an http(s) URL, got "nope"',
  ]);
});

test("a single-pool service refuses a list of pools", (t) => {
  const base = { EXOSCALE_KEY: "k", EXOSCALE_SECRET: "s", EXOSCALE_ZONE: "ch-gva-2", EXOSCALE_INSTANCEPOOL_ID: `${POOL},${OTHER}` };
  t.deepEqual(problems(base, false), ["EXOSCALE_INSTANCEPOOL_ID must name exactly one instance pool, got 2"]);
  t.deepEqual(problems(base, true), []);
});

test("a missing pool id says what to put there: one UUID for a single-pool service, a list for the SD agent", (t) => {
  const base = { EXOSCALE_KEY: "k", EXOSCALE_SECRET: "s", EXOSCALE_ZONE: "ch-gva-2" };
  const unsetValues: Record<string, string>[] = [{}, { EXOSCALE_INSTANCEPOOL_ID: "" }, { EXOSCALE_INSTANCEPOOL_ID: " , " }];
  for (const unset of unsetValues) {
    t.deepEqual(problems({ ...base, ...unset }, false), ["EXOSCALE_INSTANCEPOOL_ID is required (an instance pool UUID)"]);
    t.deepEqual(problems({ ...base, ...unset }, true), [
      "EXOSCALE_INSTANCEPOOL_ID is required (one or more instance pool UUIDs, comma-separated)",
    ]);
  }
});

test("EXOSCALE_API_ENDPOINT must be the API's base URL including /v2", (t) => {
  const base = { EXOSCALE_KEY: "k", EXOSCALE_SECRET: "s", EXOSCALE_ZONE: "ch-gva-2", EXOSCALE_INSTANCEPOOL_ID: POOL };
  const endpointOf = (value: string): string | undefined => {
    const read = new EnvReader({ ...base, EXOSCALE_API_ENDPOINT: value });
    const env = readExoscaleEnv(read, { multiplePools: false });
    read.finish();
    return env.endpoint;
  };
  for (const bad of [
    "http://127.0.0.1:8081",
    "http://127.0.0.1:8081/",
    "https://api-ch-gva-2.exoscale.com/v1",
    "http://127.0.0.1:8081/v2x",
  ]) {
    t.deepEqual(
      problems({ ...base, EXOSCALE_API_ENDPOINT: bad }, false),
      [`EXOSCALE_API_ENDPOINT must be the API's full base URL including /v2, e.g. http://127.0.0.1:8081/v2, got "${bad}"`],
      bad,
    );
  }
  t.is(endpointOf("http://127.0.0.1:8081/v2"), "http://127.0.0.1:8081/v2");
  t.is(endpointOf("http://127.0.0.1:8081/v2/"), "http://127.0.0.1:8081/v2", "a trailing slash is tolerated");
  t.is(endpointOf("https://proxy.example/exoscale/v2"), "https://proxy.example/exoscale/v2", "a path before /v2 is fine");
  t.deepEqual(problems({ ...base, EXOSCALE_API_ENDPOINT: "ftp://x/v2" }, false), [
    'EXOSCALE_API_ENDPOINT must be an http(s) URL, got "ftp://x/v2"',
  ]);
});

test("isUuid accepts UUIDs in either case and nothing else", (t) => {
  t.true(isUuid(POOL));
  t.true(isUuid(OTHER));
  t.false(isUuid(`${OTHER}x`));
  t.false(isUuid("9a3c5a6e1f2b4c3d8e4f5a6b7c8d9e0f"));
});
