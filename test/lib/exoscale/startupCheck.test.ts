import test from "ava";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { ExoscaleServerError } from "../../../lib/exoscale/errors.js";
import { API_UNREACHABLE_AT_START, checkApiAccess } from "../../../lib/exoscale/startupCheck.js";
import { startEmulator, type Emulator } from "../../../sandbox/emulator/server.js";
import { ConfigError } from "../../../lib/shared/env.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { startTestEmulator } from "../../helpers/emulator.js";

const UNKNOWN = "3f2b0e1c-0000-4000-8000-000000000001";
const OTHER_UNKNOWN = "3f2b0e1c-0000-4000-8000-000000000002";

function clientFor(emu: Emulator, overrides: { key?: string; secret?: string } = {}) {
  return createExoscaleClient({
    key: overrides.key ?? emu.key,
    secret: overrides.secret ?? emu.secret,
    zone: "ch-gva-2",
    endpoint: emu.url,
    retry: { limit: 0 },
  });
}

test("a readable pool passes quietly, with one read per pool", async (t) => {
  const emu = await startTestEmulator(t);
  const a = emu.createPool({ size: 1 });
  const b = emu.createPool({ size: 2 });
  const logger = createMemoryLogger();
  await checkApiAccess(clientFor(emu), [a.id, b.id], logger);
  t.deepEqual(logger.lines, []);
  t.deepEqual(emu.requests.map((r) => `${r.operation} ${r.status}`).sort(), ["get-instance-pool 200", "get-instance-pool 200"]);
});

test("a wrong secret is a ConfigError with the client's 401 message, once however many pools", async (t) => {
  const emu = await startTestEmulator(t);
  const a = emu.createPool({ size: 1 });
  const b = emu.createPool({ size: 1 });
  const logger = createMemoryLogger();
  const error = await t.throwsAsync(checkApiAccess(clientFor(emu, { secret: "wrong" }), [a.id, b.id], logger), { instanceOf: ConfigError });
  t.is(error.problems.length, 1, error.message);
  t.regex(error.problems[0]!, /^start-up check: Exoscale API rejected the credentials for GET .* \(401 Unauthorized\): check the API key/);
  t.regex(error.problems[0]!, /EXOSCALE_KEY \/ EXOSCALE_SECRET/);
  t.deepEqual(logger.lines, [], "a refusal is the error, not a warning");
});

test("a key whose role lacks get-instance-pool is a ConfigError with the 403 message", async (t) => {
  const emu = await startTestEmulator(t, { credentials: [{ key: "EXOnarrow", secret: "s", operations: ["list-instances"] }] });
  const pool = emu.createPool({ size: 1 });
  const error = await t.throwsAsync(checkApiAccess(clientFor(emu, { key: "EXOnarrow", secret: "s" }), [pool.id], createMemoryLogger()), {
    instanceOf: ConfigError,
  });
  t.regex(error.message, /start-up check: .*403 Forbidden\): check that the key's IAM role grants this operation/);
});

test("each unknown pool is its own problem, naming the pool and the zone; known pools are not listed", async (t) => {
  const emu = await startTestEmulator(t);
  const known = emu.createPool({ size: 1 });
  const error = await t.throwsAsync(checkApiAccess(clientFor(emu), [known.id, UNKNOWN, OTHER_UNKNOWN], createMemoryLogger()), {
    instanceOf: ConfigError,
  });
  t.deepEqual(
    error.problems.map((p) => p.slice(0, p.indexOf(":", "start-up check: ".length))),
    [
      `start-up check: instance pool ${UNKNOWN} not found in zone ch-gva-2`,
      `start-up check: instance pool ${OTHER_UNKNOWN} not found in zone ch-gva-2`,
    ],
  );
  t.regex(error.problems[0]!, /check the id and that EXOSCALE_ZONE is the zone it lives in/);
});

test("an API answering 503 logs one warning and lets the service start", async (t) => {
  const emu = await startTestEmulator(t);
  const a = emu.createPool({ size: 1 });
  const b = emu.createPool({ size: 1 });
  emu.setFaults({ errorRate: 1 });
  const logger = createMemoryLogger();
  await t.notThrowsAsync(checkApiAccess(clientFor(emu), [a.id, b.id], logger));
  t.is(logger.lines.length, 1, JSON.stringify(logger.lines));
  t.like(logger.lines[0], { level: "warn", msg: API_UNREACHABLE_AT_START, failed: 2, pools: 2 });
  t.regex(String(logger.lines[0]!.error), /503 on GET \/v2\/instance-pool\//);
  t.is(API_UNREACHABLE_AT_START, "API not reachable at start-up; will keep trying");
});

test("an unreachable endpoint, or an outage beside a refusal, are told apart", async (t) => {
  const emu = await startEmulator();
  const pool = emu.createPool({ size: 1 });
  const client = clientFor(emu);
  await emu.close();
  const logger = createMemoryLogger();
  await checkApiAccess(client, [pool.id], logger);
  t.like(logger.lines, [{ level: "warn", msg: API_UNREACHABLE_AT_START }]);
  t.regex(String(logger.lines[0]!.error), /cannot reach the Exoscale API at .* \(ECONNREFUSED/);

  // One pool not found, one in an outage: the refusal wins (it will not fix itself).
  const api = {
    getInstancePool: async (id: string) => {
      if (id === UNKNOWN) return clientFor(await startTestEmulator(t)).getInstancePool(id);
      throw new ExoscaleServerError({ status: 503, method: "GET", path: `/v2/instance-pool/${id}` });
    },
  };
  await t.throwsAsync(checkApiAccess(api, [OTHER_UNKNOWN, UNKNOWN], createMemoryLogger()), {
    instanceOf: ConfigError,
    message: new RegExp(`instance pool ${UNKNOWN} not found`),
  });
});
