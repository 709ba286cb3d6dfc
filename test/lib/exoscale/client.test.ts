import test, { type ExecutionContext } from "ava";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import sinon from "sinon";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../../sandbox/emulator/server.js";
import {
  assertOperationSucceeded,
  createExoscaleClient,
  resolveEndpoint,
  type ExoscaleClientOptions,
} from "../../../lib/exoscale/client.js";
import {
  ExoscaleAuthError,
  ExoscaleNetworkError,
  ExoscaleNotFoundError,
  ExoscaleOperationError,
  ExoscaleRateLimitError,
  ExoscaleServerError,
  ExoscaleTimeoutError,
} from "../../../lib/exoscale/errors.js";
import { closeServer, listen, urlOf } from "../../../lib/shared/http.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { startTestEmulator } from "../../helpers/emulator.js";
import { drive } from "../../helpers/fakeTime.js";

type Clock = sinon.SinonFakeTimers;

/** Fake timers for ky's backoff, the emulator's delays and the client's waits; sockets stay real. */
function fakeTime(t: ExecutionContext): Clock {
  const clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ["setTimeout", "clearTimeout", "Date"] });
  t.teardown(() => clock.restore());
  return clock;
}

async function setup(t: ExecutionContext, emulatorOptions: EmulatorOptions = {}, clientOptions: Partial<ExoscaleClientOptions> = {}) {
  const emu = await startTestEmulator(t, emulatorOptions);
  const logger = createMemoryLogger("client-test");
  const client = createExoscaleClient({
    key: emu.key,
    secret: emu.secret,
    zone: "ch-gva-2",
    endpoint: emu.url,
    logger,
    random: () => 1,
    ...clientOptions,
  });
  return { emu, client, logger };
}

function apiRequests(emu: Emulator) {
  return emu.requests.filter((r) => r.path.startsWith("/v2/"));
}

test.serial("reads a pool and lists its members in one signed call", async (t) => {
  const { emu, client } = await setup(t);
  const created = emu.createPool({ size: 2, name: "web", labels: { app: "web" } });
  const pool = await client.getInstancePool(created.id);
  t.like(pool, { id: created.id, name: "web", size: 2, state: "running", labels: { app: "web" } });
  t.deepEqual(
    pool.instanceIds,
    created.members.map((m) => m.id),
  );
  const before = emu.requestCount;
  const members = await client.listPoolMembers(created.id);
  t.is(emu.requestCount, before + 1, "one request for every member");
  const record = emu.requests.at(-1)!;
  t.like(record, { path: "/v2/instance", status: 200, query: { "manager-id": created.id, "manager-type": "instance-pool" } });
  t.deepEqual(
    members.map((m) => ({ id: m.id, ip: m.publicIp, state: m.state, managerId: m.managerId })),
    created.members.map((m) => ({ id: m.id, ip: m.publicIp, state: "running", managerId: created.id })),
  );
  t.is(members[0]!.createdAt, created.members[0]!.createdAt);
});

test.serial("a 429 with Retry-After is waited out and the retry carries a fresh, valid signature", async (t) => {
  const clock = fakeTime(t);
  // A 10 s signature and a 30 s Retry-After: re-sending the first signature would be refused as expired.
  const { emu, client, logger } = await setup(t, {}, { signatureTtlSeconds: 10 });
  const pool = emu.createPool({ size: 1 });
  emu.injectResponses([{ status: 429, retryAfterSeconds: 30 }]);
  const result = await drive(clock, client.getInstancePool(pool.id), { stepMs: 1_000 });
  t.is(result.id, pool.id);
  const [first, second] = apiRequests(emu);
  t.is(first!.status, 429);
  t.is(second!.status, 200);
  t.true(second!.time - first!.time >= 30_000, `retried after ${second!.time - first!.time} ms`);
  t.true(second!.time - first!.time < 32_000);
  t.not(second!.signature, first!.signature);
  t.true(second!.expires! >= first!.expires! + 30);
  t.true(second!.time > first!.expires! * 1000, "the first signature had expired when the retry was sent");
  // Retries are routine: logged at debug, so an outage does not flood the log (the caller reports the failure).
  t.like(
    logger.lines.find((l) => l.msg === "retrying Exoscale API request"),
    { level: "debug", cause: "HTTP 429" },
  );
  t.deepEqual(
    logger.lines.filter((l) => l.level !== "debug"),
    [],
  );
});

test.serial("5xx answers are retried with growing backoff until the API recovers", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t);
  const pool = emu.createPool({ size: 1 });
  emu.injectResponses([{ status: 500 }, { status: 502 }]);
  await drive(clock, client.getInstancePool(pool.id), { stepMs: 50 });
  const times = apiRequests(emu).map((r) => r.time);
  t.deepEqual(
    apiRequests(emu).map((r) => r.status),
    [500, 502, 200],
  );
  t.true(times[1]! - times[0]! >= 500 && times[2]! - times[1]! >= 1_000, `gaps ${times[1]! - times[0]!}, ${times[2]! - times[1]!}`);
});

test.serial("when every retry fails the error is typed and names the status", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t, {}, { retry: { limit: 2 } });
  const pool = emu.createPool({ size: 1 });
  emu.injectResponses([{ status: 503, message: "down for maintenance" }, { status: 503 }, { status: 503, message: "still down" }]);
  const error = await t.throwsAsync(drive(clock, client.getInstancePool(pool.id)), { instanceOf: ExoscaleServerError });
  t.is(error.status, 503);
  t.regex(error.message, /503 on GET \/v2\/instance-pool\/.* \(API said: still down\)/);
  t.is(apiRequests(emu).length, 3);

  emu.injectResponses([{ status: 429 }, { status: 429 }, { status: 429, retryAfterSeconds: 2 }]);
  const limited = await t.throwsAsync(drive(clock, client.getInstancePool(pool.id)), { instanceOf: ExoscaleRateLimitError });
  t.is(limited.retryAfterSeconds, 2);
});

test.serial("401 and 403 become ExoscaleAuthError naming the key, secret and IAM role, without retries", async (t) => {
  const { emu } = await setup(t, {
    credentials: [
      { key: "EXOgood", secret: "right" },
      { key: "EXOreader", secret: "reader", operations: ["get-instance-pool"] },
    ],
  });
  const pool = emu.createPool({ size: 1 });
  const badSecret = createExoscaleClient({ key: "EXOgood", secret: "wrong", zone: "ch-gva-2", endpoint: emu.url });
  const unauthorized = await t.throwsAsync(badSecret.getInstancePool(pool.id), { instanceOf: ExoscaleAuthError });
  t.is(unauthorized.status, 401);
  t.regex(
    unauthorized.message,
    /401 Unauthorized\): check the API key EXOgood, its secret \(EXOSCALE_KEY \/ EXOSCALE_SECRET\) and the key's IAM role/,
  );
  t.regex(unauthorized.message, /invalid request signature/);
  t.is(apiRequests(emu).length, 1);

  const reader = createExoscaleClient({ key: "EXOreader", secret: "reader", zone: "ch-gva-2", endpoint: emu.url });
  t.is((await reader.getInstancePool(pool.id)).size, 1);
  const forbidden = await t.throwsAsync(reader.scaleInstancePool(pool.id, 3), { instanceOf: ExoscaleAuthError });
  t.is(forbidden.status, 403);
  t.regex(
    forbidden.message,
    /key EXOreade… is not allowed PUT .*:scale \(403 Forbidden\): check that the key's IAM role grants this operation in zone ch-gva-2/,
  );
  t.regex(forbidden.message, /does not allow scale-instance-pool/);
  t.is(emu.pool(pool.id).size, 1);
});

test.serial("404 becomes ExoscaleNotFoundError naming the pool and the zone", async (t) => {
  const { client } = await setup(t);
  const missing = "3f2b0e1c-0000-4000-8000-000000000001";
  const error = await t.throwsAsync(client.getInstancePool(missing), { instanceOf: ExoscaleNotFoundError });
  t.is(error.status, 404);
  t.regex(error.message, new RegExp(`instance pool ${missing} not found in zone ch-gva-2: check the id and that EXOSCALE_ZONE`));
  t.notRegex(error.message, /missing \/v2/, "an endpoint with /v2 gets no hint about it");
});

test.serial("a 404 from an endpoint without /v2 says the endpoint is probably missing /v2", async (t) => {
  const emu = await startTestEmulator(t);
  const pool = emu.createPool({ size: 1 });
  const root = emu.url.replace(/\/v2$/, "");
  t.not(root, emu.url);
  for (const endpoint of [root, `${root}/`]) {
    const client = createExoscaleClient({ key: emu.key, secret: emu.secret, zone: "ch-gva-2", endpoint, retry: { limit: 0 } });
    const error = await t.throwsAsync(client.getInstancePool(pool.id), { instanceOf: ExoscaleNotFoundError });
    t.regex(error.message, new RegExp(`instance pool ${pool.id} not found in zone ch-gva-2`));
    t.true(error.message.endsWith(`; the endpoint ${root} is probably missing /v2 (e.g. ${root}/v2)`), error.message);
  }
});

test.serial("a slow API times out per attempt; reads retry the timeout, then fail typed", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t, { faults: { latencyMs: 20_000 } }, { timeoutMs: 2_000, retry: { limit: 1 } });
  const pool = emu.createPool({ size: 1 });
  const error = await t.throwsAsync(drive(clock, client.getInstancePool(pool.id)), { instanceOf: ExoscaleTimeoutError });
  t.regex(error.message, /within 2000 ms/);
  t.is(apiRequests(emu).length, 2, "the timed-out GET was tried twice");
});

test.serial("scale is retried after a 5xx (absolute size: repeating is harmless)", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t);
  const pool = emu.createPool({ size: 1 });
  emu.injectResponses([{ status: 503 }]);
  const op = await drive(clock, client.scaleInstancePool(pool.id, 3));
  t.is(op.referenceId, pool.id);
  t.is(emu.pool(pool.id).size, 3);
  const puts = apiRequests(emu).filter((r) => r.method === "PUT");
  t.deepEqual(
    puts.map((r) => [r.status, r.body]),
    [
      [503, '{"size":3}'],
      [200, '{"size":3}'],
    ],
  );
});

test.serial("evict is retried on 429 but not after a 5xx, where it may already have happened", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t);
  const pool = emu.createPool({ size: 3 });
  const [a, b] = pool.members;
  emu.injectResponses([{ status: 429, retryAfterSeconds: 1 }]);
  const op = await drive(clock, client.evictInstancePoolMembers(pool.id, [a!.id]));
  t.is(op.state, "pending");
  t.deepEqual(
    apiRequests(emu)
      .filter((r) => r.method === "PUT")
      .map((r) => r.status),
    [429, 200],
  );
  t.is(apiRequests(emu).at(-1)!.body, JSON.stringify({ instances: [a!.id] }));

  emu.injectResponses([{ status: 502 }]);
  const error = await t.throwsAsync(drive(clock, client.evictInstancePoolMembers(pool.id, [b!.id])), { instanceOf: ExoscaleServerError });
  t.is(error.status, 502);
  t.is(apiRequests(emu).filter((r) => r.method === "PUT").length, 3, "no second attempt after the 502");
});

/**
 * A bare loopback server standing in for the API, counting the requests it gets; `answer` decides what
 * each one gets (or does not get).
 */
async function countingServer(t: ExecutionContext, answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    state.requests += 1;
    req.resume();
    answer(req, res);
  });
  const address = await listen(server, 0, "127.0.0.1");
  t.teardown(() => closeServer(server));
  return { state, endpoint: `${urlOf(address)}/v2`, server };
}

const EVICT_POOL = "3f2b0e1c-0000-4000-8000-000000000001";
const EVICT_MEMBER = "3f2b0e1c-0000-4000-8000-000000000002";

/** A client that would retry quickly (three retries, 1 ms backoff) wherever it retries at all. */
function eagerClient(endpoint: string, timeoutMs = 2_000) {
  return createExoscaleClient({
    key: "EXOk",
    secret: "s",
    zone: "ch-gva-2",
    endpoint,
    timeoutMs,
    retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
  });
}

test.serial("evict is sent once after a 503: the API may already have evicted", async (t) => {
  const { state, endpoint } = await countingServer(t, (_req, res) => {
    res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "0" }).end('{"message":"down"}');
  });
  const error = await t.throwsAsync(eagerClient(endpoint).evictInstancePoolMembers(EVICT_POOL, [EVICT_MEMBER]), {
    instanceOf: ExoscaleServerError,
  });
  t.is(error.status, 503);
  t.is(state.requests, 1);
  // The same server, a GET: retried, which shows the server would have been asked again had evict retried.
  state.requests = 0;
  await t.throwsAsync(eagerClient(endpoint).getInstancePool(EVICT_POOL), { instanceOf: ExoscaleServerError });
  t.is(state.requests, 4);
});

test.serial("evict is sent once after a reset connection (no answer: whether it acted is unknown)", async (t) => {
  const { state, endpoint } = await countingServer(t, (req) => req.socket.destroy());
  await t.throwsAsync(eagerClient(endpoint).evictInstancePoolMembers(EVICT_POOL, [EVICT_MEMBER]), { instanceOf: ExoscaleNetworkError });
  t.is(state.requests, 1);
  state.requests = 0;
  await t.throwsAsync(eagerClient(endpoint).getInstancePool(EVICT_POOL), { instanceOf: ExoscaleNetworkError });
  t.is(state.requests, 4, "a GET is retried on the same failure");
});

test.serial("evict is sent once after a timeout", async (t) => {
  const { state, endpoint, server } = await countingServer(t, () => undefined);
  const error = await t.throwsAsync(eagerClient(endpoint, 200).evictInstancePoolMembers(EVICT_POOL, [EVICT_MEMBER]), {
    instanceOf: ExoscaleTimeoutError,
  });
  t.regex(error.message, /within 200 ms/);
  t.is(state.requests, 1);
  state.requests = 0;
  await t.throwsAsync(eagerClient(endpoint, 200).getInstancePool(EVICT_POOL), { instanceOf: ExoscaleTimeoutError });
  t.is(state.requests, 4, "a GET is retried on the same failure");
  // Drop the held connections now, so the client's sockets are gone before the next test fakes the timers.
  await closeServer(server);
  await new Promise((resolve) => setTimeout(resolve, 50));
});

test.serial("evicting a member that is already gone is a NotFound error naming it", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t, { operationDelayMs: 1_000 });
  const pool = emu.createPool({ size: 2 });
  const victim = pool.members[0]!.id;
  const op = await client.evictInstancePoolMembers(pool.id, [victim]);
  t.is((await drive(clock, client.waitForOperation(op.id, { intervalMs: 500 }))).state, "success");
  const error = await t.throwsAsync(client.evictInstancePoolMembers(pool.id, [victim]), { instanceOf: ExoscaleNotFoundError });
  t.regex(error.message, new RegExp(victim));
  await t.throwsAsync(client.evictInstancePoolMembers(pool.id, []), { instanceOf: RangeError });
});

test.serial("waitForOperation polls at the interval until the operation leaves pending", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t, { operationDelayMs: 5_000, bootDelayMs: 1_000 });
  const pool = emu.createPool({ size: 1 });
  const op = await client.scaleInstancePool(pool.id, 2);
  t.is(op.state, "pending");
  const done = await drive(clock, client.waitForOperation(op.id, { intervalMs: 1_000, timeoutMs: 60_000 }), { stepMs: 100 });
  t.like(done, { id: op.id, state: "success", referenceId: pool.id });
  const polls = apiRequests(emu).filter((r) => r.operation === "get-operation");
  t.true(polls.length >= 5 && polls.length <= 7, `${polls.length} polls`);
  t.is(assertOperationSucceeded(done), done);
});

test.serial("waitForOperation gives up after its time limit with an error that says the operation may still finish", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t, { operationDelayMs: 120_000 });
  const pool = emu.createPool({ size: 1 });
  const op = await client.scaleInstancePool(pool.id, 2);
  const error = await t.throwsAsync(drive(clock, client.waitForOperation(op.id, { intervalMs: 1_000, timeoutMs: 5_000 })), {
    instanceOf: ExoscaleOperationError,
  });
  t.regex(error.message, /still pending after \d+ s \(wait limit 5 s\); it may still finish/);
  t.is(error.operation.state, "pending");
  t.true(apiRequests(emu).filter((r) => r.operation === "get-operation").length <= 6);
});

test.serial("a failed operation is returned as such, and assertOperationSucceeded turns it into a typed error", async (t) => {
  const clock = fakeTime(t);
  const { emu, client } = await setup(t, { operationDelayMs: 1_000, faults: { failOperations: true } });
  const pool = emu.createPool({ size: 1 });
  const op = await client.scaleInstancePool(pool.id, 2);
  const done = await drive(clock, client.waitForOperation(op.id, { intervalMs: 500 }));
  t.like(done, { state: "failure", reason: "fault" });
  const error = t.throws(() => assertOperationSucceeded(done), { instanceOf: ExoscaleOperationError });
  t.regex(error.message, /ended in state failure \(reason: fault\)/);
});

test.serial("an unreachable endpoint is a network error naming the endpoint", async (t) => {
  const emu = await startEmulator();
  const url = emu.url;
  await emu.close();
  const client = createExoscaleClient({ key: "k", secret: "s", zone: "ch-gva-2", endpoint: url, retry: { limit: 0 } });
  const error = await t.throwsAsync(client.getInstancePool("3f2b0e1c-0000-4000-8000-000000000001"), { instanceOf: ExoscaleNetworkError });
  t.regex(error.message, new RegExp(`cannot reach the Exoscale API at ${url.replace(/\./g, "\\.")} \\(ECONNREFUSED`));
});

test.serial("the zone picks the endpoint unless one is given; requests carry the signed header", async (t) => {
  t.is(resolveEndpoint("at-vie-1"), "https://api-at-vie-1.exoscale.com/v2");
  t.is(resolveEndpoint("at-vie-1", "http://127.0.0.1:8081/v2/"), "http://127.0.0.1:8081/v2");
  const seen: Request[] = [];
  const fetchStub = async (input: Parameters<typeof fetch>[0]): Promise<Response> => {
    seen.push(input as Request);
    return new Response(JSON.stringify({ instances: [] }), { status: 200, headers: { "content-type": "application/json" } });
  };
  const client = createExoscaleClient({
    key: "EXOkey",
    secret: "s",
    zone: "de-fra-1",
    fetch: fetchStub as typeof fetch,
    now: () => 1_750_000_000_000,
  });
  t.deepEqual(await client.listPoolMembers("p1"), []);
  t.is(seen[0]!.url, "https://api-de-fra-1.exoscale.com/v2/instance?manager-id=p1&manager-type=instance-pool");
  t.regex(
    seen[0]!.headers.get("authorization")!,
    /^EXO2-HMAC-SHA256 credential=EXOkey,signed-query-args=manager-id;manager-type,expires=1750000600,signature=.+=$/,
  );
});

test.serial("the retry budget bounds one call: no retry is made whose wait would end past it", async (t) => {
  const clock = fakeTime(t);
  const { state, endpoint } = await countingServer(t, (_req, res) => {
    res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "5" }).end('{"message":"slow down"}');
  });
  const client = (budgetMs?: number) =>
    createExoscaleClient({
      key: "EXOkey",
      secret: "secret",
      zone: "ch-gva-2",
      endpoint,
      retry: { limit: 5, maxRetryAfterMs: 60_000, ...(budgetMs !== undefined ? { budgetMs } : {}) },
    });
  // Attempts at 0 s, 5 s and 10 s; a retry at 15 s would pass the 12 s budget.
  const started = Date.now();
  await t.throwsAsync(drive(clock, client(12_000).getInstancePool(EVICT_POOL), { stepMs: 500 }), { instanceOf: ExoscaleRateLimitError });
  t.is(state.requests, 3);
  t.true(Date.now() - started <= 12_000, `gave up after ${Date.now() - started} ms of fake time`);
  // Without a budget the same call keeps to its retry limit.
  state.requests = 0;
  await t.throwsAsync(drive(clock, client().getInstancePool(EVICT_POOL), { stepMs: 500 }), { instanceOf: ExoscaleRateLimitError });
  t.is(state.requests, 6);
});

test.serial("a Retry-After longer than the budget is not waited for at all", async (t) => {
  const clock = fakeTime(t);
  const { state, endpoint } = await countingServer(t, (_req, res) => {
    res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "60" }).end('{"message":"down"}');
  });
  const client = createExoscaleClient({ key: "EXOkey", secret: "secret", zone: "ch-gva-2", endpoint, retry: { budgetMs: 20_000 } });
  const started = Date.now();
  await t.throwsAsync(drive(clock, client.getInstancePool(EVICT_POOL), { stepMs: 500 }), { instanceOf: ExoscaleServerError });
  t.is(state.requests, 1);
  t.true(Date.now() - started < 1_000);
});
