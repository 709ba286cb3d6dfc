/**
 * The pool driver's memory of its own pending operation, against the in-process API emulator through
 * the real client: an operation the API no longer knows, or cannot report on for too long, must not
 * block the loop forever. `now` is passed explicitly, so no clock is faked here.
 */
import test, { type ExecutionContext } from "ava";
import type { Emulator, EmulatorOptions } from "../../../sandbox/emulator/server.js";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { ApiCallError, PoolDriver } from "../../../services/scaler/driver.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { startTestEmulator } from "../../helpers/emulator.js";

const T0 = Date.parse("2026-01-01T12:00:00Z");
const MAX_PENDING = 15 * 60_000;
const POOL_ID = "0b5c8f4e-7a1d-4c3b-9e2f-6d8a1b2c3d4e";

function emulator(t: ExecutionContext, options: EmulatorOptions = {}): Promise<Emulator> {
  // Operations stay pending far longer than any test runs: only the driver decides to stop waiting.
  return startTestEmulator(t, { host: "127.0.0.1", operationDelayMs: 3_600_000, ...options });
}

function driverFor(e: Emulator, logger = createMemoryLogger("scaler")): PoolDriver {
  const api = createExoscaleClient({ key: e.key, secret: e.secret, zone: e.zone, endpoint: e.url, retry: { limit: 1, baseDelayMs: 1 } });
  return new PoolDriver(api, POOL_ID, logger, { maxPendingMs: MAX_PENDING });
}

const up = { direction: "up" as const, currentSize: 1, targetSize: 2, reason: "up signal" as const, detail: "", evaluated: true };

test("an operation the API no longer knows (emulator restarted) is forgotten; the pool state speaks", async (t) => {
  const first = await emulator(t, { pools: [{ id: POOL_ID, size: 1 }] });
  const logger = createMemoryLogger("scaler");
  const driver = driverFor(first, logger);
  const op = await driver.apply(up, T0);
  t.is(op.state, "pending");
  t.like(await driver.observe(T0 + 1000), { operationPending: true });

  // The API forgets the operation: a restart on the same port, same key, same pool, now at size 2.
  const port = first.port;
  await first.close();
  const second = await emulator(t, { port, credentials: [{ key: first.key, secret: first.secret }], pools: [{ id: POOL_ID, size: 2 }] });
  t.is(second.url, first.url);

  const view = await driver.observe(T0 + 60_000);
  t.like(view, { operationPending: false, size: 2, state: "running" });
  t.true(logger.lines.some((l) => l["level"] === "warn" && l["operation"] === op.id && /not known/.test(String(l["msg"]))));
  // Forgotten for good: the next read does not ask for it again.
  const before = second.requests.filter((r) => r.operation === "get-operation").length;
  await driver.observe(T0 + 120_000);
  t.is(second.requests.filter((r) => r.operation === "get-operation").length, before);
});

test("get-operation failing: an error before maxPendingMs fails the read, after it the operation is forgotten", async (t) => {
  const e = await emulator(t, { pools: [{ id: POOL_ID, size: 1 }] });
  const logger = createMemoryLogger("scaler");
  const driver = driverFor(e, logger);
  await driver.apply(up, T0);

  // Two 503s: the first attempt and the client's one retry of get-operation.
  e.injectResponses([{ status: 503 }, { status: 503 }]);
  const early = await t.throwsAsync(driver.observe(T0 + 60_000), { instanceOf: ApiCallError });
  t.is(early?.operation, "get-operation");

  e.injectResponses([{ status: 503 }, { status: 503 }]);
  const late = await driver.observe(T0 + MAX_PENDING + 1);
  t.like(late, { operationPending: false, size: 2 });
  t.true(logger.lines.some((l) => l["level"] === "warn" && /no longer waiting/.test(String(l["msg"]))));
});

test("an operation still pending is waited for until maxPendingMs, then no longer", async (t) => {
  const e = await emulator(t, { pools: [{ id: POOL_ID, size: 1 }] });
  const driver = driverFor(e);
  await driver.apply(up, T0);
  t.like(await driver.observe(T0 + MAX_PENDING - 1), { operationPending: true });
  t.like(await driver.observe(T0 + MAX_PENDING), { operationPending: false });
});
