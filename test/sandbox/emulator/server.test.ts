import test, { type ExecutionContext } from "ava";
import { LoopbackAllocator, ADDRESS_CAPACITY } from "../../../sandbox/emulator/addresses.js";
import { startEmulator, type Emulator, type EmulatorOptions, type InstanceSnapshot } from "../../../sandbox/emulator/server.js";
import { formatAuthorization } from "../../../lib/exoscale/signing.js";
import { ManualClock, flush, signedFetch, startTestEmulator } from "../../helpers/emulator.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function start(t: ExecutionContext, options: EmulatorOptions = {}): Promise<{ emu: Emulator; clock: ManualClock }> {
  const clock = new ManualClock();
  const emu = await startTestEmulator(t, { clock, ...options });
  return { emu, clock };
}

function call(emu: Emulator, method: string, relative: string, body?: unknown): Promise<Response> {
  return signedFetch(emu.url, method, relative, { key: emu.key, secret: emu.secret, ...(body === undefined ? {} : { body }) });
}

async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

test("a request without a signature gets 401 with the API's error body", async (t) => {
  const { emu } = await start(t);
  const response = await fetch(`${emu.url}/instance-pool`);
  t.is(response.status, 401);
  t.is(response.headers.get("content-type"), "application/json");
  t.regex((await json<{ message: string }>(response)).message, /Authorization/);
});

test("wrong secret, unknown key, expired signature and tampered query are all refused", async (t) => {
  const { emu, clock } = await start(t);
  const pool = emu.createPool({ size: 1 });
  const wrongSecret = await signedFetch(emu.url, "GET", "instance-pool", { key: emu.key, secret: "not-the-secret" });
  t.is(wrongSecret.status, 401);
  t.is((await json<{ message: string }>(wrongSecret)).message, "invalid request signature");

  const unknownKey = await signedFetch(emu.url, "GET", "instance-pool", { key: "EXOunknown", secret: emu.secret });
  t.is(unknownKey.status, 401);
  t.regex((await json<{ message: string }>(unknownKey)).message, /invalid API key EXOunknown/);

  const expired = await signedFetch(emu.url, "GET", "instance-pool", {
    key: emu.key,
    secret: emu.secret,
    expires: Math.floor(clock.now() / 1000) - 1,
  });
  t.is(expired.status, 401);
  t.regex((await json<{ message: string }>(expired)).message, /expired/);

  // Signed for one pool, sent for another: the query values are part of the signature.
  const signedFor = await signedFetch(emu.url, "GET", `instance?manager-id=${pool.id}&manager-type=instance-pool`, {
    key: emu.key,
    secret: emu.secret,
  });
  t.is(signedFor.status, 200);
  const stolen = emu.requests.at(-1)!;
  const replay = await fetch(`${emu.url}/instance?manager-id=00000000-0000-4000-8000-000000000000&manager-type=instance-pool`, {
    headers: {
      Authorization: formatAuthorization({
        credential: emu.key,
        signedQueryArgs: ["manager-id", "manager-type"],
        expires: stolen.expires!,
        signature: stolen.signature!,
      }),
    },
  });
  t.is(replay.status, 401);

  const missingArgs = await fetch(`${emu.url}/instance?manager-id=${pool.id}&manager-type=instance-pool`, {
    headers: {
      Authorization: formatAuthorization({
        credential: emu.key,
        signedQueryArgs: [],
        expires: stolen.expires!,
        signature: stolen.signature!,
      }),
    },
  });
  t.is(missingArgs.status, 401);
  t.regex((await json<{ message: string }>(missingArgs)).message, /signed-query-args should be "manager-id;manager-type"/);
});

test("a key whose IAM role lacks the operation gets 403", async (t) => {
  const { emu } = await start(t, {
    credentials: [{ key: "EXOreadonly", secret: "s3cret", operations: ["get-instance-pool", "list-instances"] }],
  });
  const pool = emu.createPool({ size: 1 });
  t.is((await call(emu, "GET", `instance-pool/${pool.id}`)).status, 200);
  const refused = await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 });
  t.is(refused.status, 403);
  t.regex((await json<{ message: string }>(refused)).message, /does not allow scale-instance-pool/);
  t.is(emu.pool(pool.id).size, 1);
});

test("pool, instance list and instance use the API's kebab-case shapes and distinct loopback addresses", async (t) => {
  const { emu } = await start(t);
  const created = emu.createPool({ size: 3, name: "web", labels: { role: "web" } });
  const other = emu.createPool({ size: 1, name: "other" });

  const pool = await json(await call(emu, "GET", `instance-pool/${created.id}`));
  t.like(pool, { id: created.id, name: "web", size: 3, state: "running", labels: { role: "web" }, "public-ip-assignment": "inet4" });
  t.is((pool.instances as { id: string }[]).length, 3);
  t.true(
    (pool.instances as object[]).every((ref) => Object.keys(ref).join() === "id"),
    "members are id references only",
  );
  t.truthy(pool["instance-type"]);

  const list = await json<{ "instance-pools": { id: string }[] }>(await call(emu, "GET", "instance-pool"));
  t.deepEqual(list["instance-pools"].map((p) => p.id).sort(), [created.id, other.id].sort());

  const members = await json<{ instances: Record<string, unknown>[] }>(
    await call(emu, "GET", `instance?manager-id=${created.id}&manager-type=instance-pool`),
  );
  t.is(members.instances.length, 3);
  const ips = members.instances.map((i) => i["public-ip"] as string);
  t.is(new Set(ips).size, 3);
  for (const instance of members.instances) {
    t.regex(instance.id as string, UUID);
    t.regex(instance["public-ip"] as string, /^127\.0\.0\.(\d+)$/);
    t.not(instance["public-ip"], "127.0.0.1");
    t.deepEqual(instance.manager, { id: created.id, type: "instance-pool" });
    t.is(instance.state, "running");
    t.false(Number.isNaN(Date.parse(instance["created-at"] as string)));
    t.regex(instance.name as string, /^pool-/);
  }
  const one = await json(await call(emu, "GET", `instance/${members.instances[0]!.id as string}`));
  t.is(one.id, members.instances[0]!.id);

  const all = await json<{ instances: unknown[] }>(await call(emu, "GET", "instance"));
  t.is(all.instances.length, 4);
  const wrongType = await call(emu, "GET", `instance?manager-id=${created.id}&manager-type=sks`);
  t.is(wrongType.status, 400);
});

test("unknown ids give 404 with a message, malformed ids 400", async (t) => {
  const { emu } = await start(t);
  const missing = await call(emu, "GET", "instance-pool/00000000-0000-4000-8000-000000000000");
  t.is(missing.status, 404);
  t.regex((await json<{ message: string }>(missing)).message, /instance pool 00000000-0000-4000-8000-000000000000 not found/);
  t.is((await call(emu, "GET", "instance-pool/not-a-uuid")).status, 400);
  t.is((await call(emu, "GET", "operation/00000000-0000-4000-8000-000000000000")).status, 404);
  t.is((await call(emu, "GET", "nothing-here")).status, 404);
});

test("scale up: operation pending → success, pool scaling-up → running, members starting → running", async (t) => {
  const { emu, clock } = await start(t, { operationDelayMs: 1_000, bootDelayMs: 3_000 });
  const pool = emu.createPool({ size: 1 });
  const response = await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 3 });
  t.is(response.status, 200);
  const op = await json<{ id: string; state: string; reference: { id: string } }>(response);
  t.is(op.state, "pending");
  t.is(op.reference.id, pool.id);
  t.like(emu.pool(pool.id), { size: 3, state: "scaling-up" });
  t.deepEqual(
    emu.pool(pool.id).members.map((m) => m.state),
    ["running", "starting", "starting"],
  );

  await clock.advance(999);
  t.is((await json(await call(emu, "GET", `operation/${op.id}`))).state, "pending");
  await clock.advance(1);
  t.is((await json(await call(emu, "GET", `operation/${op.id}`))).state, "success");
  t.is(emu.pool(pool.id).state, "running");
  t.deepEqual(
    emu.pool(pool.id).members.map((m) => m.state),
    ["running", "starting", "starting"],
  );
  await clock.advance(2_000);
  t.deepEqual(
    emu.pool(pool.id).members.map((m) => m.state),
    ["running", "running", "running"],
  );
  t.true(emu.idle);
});

test("scale down removes the oldest members and frees their addresses when the operation ends", async (t) => {
  const { emu, clock } = await start(t, { operationDelayMs: 500 });
  const pool = emu.createPool({ size: 1 });
  await clock.advance(10);
  await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 3 });
  await clock.advance(500);
  const before = emu.pool(pool.id).members;
  const oldest = before[0]!;
  const op = await json<{ id: string }>(await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 }));
  t.like(emu.pool(pool.id), { size: 2, state: "scaling-down" });
  t.is(emu.pool(pool.id).members.find((m) => m.id === oldest.id)?.state, "destroying");
  await clock.advance(500);
  t.is(emu.operation(op.id)?.state, "success");
  t.deepEqual(
    emu.pool(pool.id).members.map((m) => m.id),
    before.slice(1).map((m) => m.id),
  );
  t.is((await call(emu, "GET", `instance/${oldest.id}`)).status, 404);
  t.is((await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: -1 })).status, 400);
  t.is((await call(emu, "PUT", `instance-pool/${pool.id}:scale`, "{not json")).status, 400);
});

test("a scale beyond the free loopback addresses is refused and changes nothing; a later valid scale works", async (t) => {
  const { emu, clock } = await start(t, { operationDelayMs: 100, bootDelayMs: 0 });
  const pool = emu.createPool({ size: 1 });
  const refused = await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: ADDRESS_CAPACITY + 1 });
  t.is(refused.status, 400);
  t.regex((await json<{ message: string }>(refused)).message, /only \d+ free loopback addresses/);
  t.like(emu.pool(pool.id), { size: 1, state: "running" });
  t.is(emu.pool(pool.id).members.length, 1);
  t.true(emu.idle, "no operation was left pending");
  const polled = await json<{ state: string; size: number }>(await call(emu, "GET", `instance-pool/${pool.id}`));
  t.like(polled, { state: "running", size: 1 });

  const op = await json<{ id: string; state: string }>(await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 }));
  t.is(op.state, "pending");
  t.like(emu.pool(pool.id), { size: 2, state: "scaling-up" });
  await clock.advance(100);
  t.is(emu.operation(op.id)?.state, "success");
  t.like(emu.pool(pool.id), { size: 2, state: "running" });
});

test("evict takes an array of id strings, shrinks the pool by their number and refuses non-members", async (t) => {
  const { emu, clock } = await start(t, { operationDelayMs: 100 });
  const pool = emu.createPool({ size: 3 });
  const [a, b, c] = emu.pool(pool.id).members;
  t.is((await call(emu, "PUT", `instance-pool/${pool.id}:evict`, { instances: [{ id: a!.id }] })).status, 400);
  const stranger = await call(emu, "PUT", `instance-pool/${pool.id}:evict`, { instances: ["00000000-0000-4000-8000-000000000000"] });
  t.is(stranger.status, 404);
  t.regex((await json<{ message: string }>(stranger)).message, /not found in instance pool/);

  const op = await json<{ id: string; state: string }>(await call(emu, "PUT", `instance-pool/${pool.id}:evict`, { instances: [b!.id] }));
  t.is(op.state, "pending");
  t.like(emu.pool(pool.id), { size: 2, state: "scaling-down" });
  // A second evict of the same member while it is going away is refused like any non-member.
  t.is((await call(emu, "PUT", `instance-pool/${pool.id}:evict`, { instances: [b!.id] })).status, 404);
  await clock.advance(100);
  t.is(emu.operation(op.id)?.state, "success");
  t.deepEqual(
    emu.pool(pool.id).members.map((m) => m.id),
    [a!.id, c!.id],
  );
});

test("fault injection: 429 with Retry-After, 5xx, scripted answers and added latency", async (t) => {
  const { emu, clock } = await start(t, { random: () => 0 });
  emu.setFaults({ rateLimitRate: 1, retryAfterSeconds: 7 });
  const limited = await call(emu, "GET", "instance-pool");
  t.is(limited.status, 429);
  t.is(limited.headers.get("retry-after"), "7");
  emu.setFaults({ errorRate: 1, errorStatus: 502 });
  t.is((await call(emu, "GET", "instance-pool")).status, 502);
  emu.setFaults({});
  emu.injectResponses([{ status: 500 }, { status: 429, retryAfterSeconds: 3 }]);
  t.is((await call(emu, "GET", "instance-pool")).status, 500);
  t.is((await call(emu, "GET", "instance-pool")).headers.get("retry-after"), "3");
  t.is((await call(emu, "GET", "instance-pool")).status, 200);

  emu.setFaults({ latencyMs: 2_000 });
  let answered = false;
  const slow = call(emu, "GET", "instance-pool").then((r) => {
    answered = true;
    return r;
  });
  // Wait until the request is in the emulator (it is logged on arrival), then check it is held.
  for (let i = 0; i < 200 && clock.pendingTimers === 0; i += 1) await flush();
  t.false(answered);
  await clock.advance(2_000);
  t.is((await slow).status, 200);
});

test("failing operations end in failure and roll the pool back", async (t) => {
  const { emu, clock } = await start(t, { operationDelayMs: 100, faults: { failOperations: true } });
  const pool = emu.createPool({ size: 2 });
  const op = await json<{ id: string }>(await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 4 }));
  t.is(emu.pool(pool.id).members.length, 4);
  await clock.advance(100);
  const done = await json(await call(emu, "GET", `operation/${op.id}`));
  t.like(done, { state: "failure", reason: "fault" });
  t.like(emu.pool(pool.id), { size: 2, state: "running" });
  t.is(emu.pool(pool.id).members.length, 2);
});

test("member hooks see each member's address when it starts and when it is removed", async (t) => {
  const started: InstanceSnapshot[] = [];
  const removed: InstanceSnapshot[] = [];
  const { emu, clock } = await start(t, {
    bootDelayMs: 50,
    hooks: {
      onInstanceStarted: async (instance) => {
        started.push(instance);
      },
      onInstanceRemoved: (instance) => {
        removed.push(instance);
      },
    },
  });
  const pool = emu.createPool({ size: 1 });
  await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 });
  t.is(started.length, 2);
  t.is(started[1]!.publicIp, emu.pool(pool.id).members[1]!.publicIp);
  await clock.advance(50);
  t.is(emu.pool(pool.id).members[1]!.state, "running");
  await call(emu, "PUT", `instance-pool/${pool.id}:evict`, { instances: [started[0]!.id] });
  await clock.advance(0);
  t.deepEqual(
    removed.map((r) => r.id),
    [started[0]!.id],
  );
});

test("the request log records operation, status and signature expiry", async (t) => {
  const { emu } = await start(t);
  const pool = emu.createPool({ size: 1 });
  await call(emu, "GET", `instance-pool/${pool.id}`);
  const record = emu.requests.at(-1)!;
  t.like(record, { method: "GET", path: `/v2/instance-pool/${pool.id}`, operation: "get-instance-pool", status: 200, credential: emu.key });
  t.true(record.expires! > 0);
  t.is(emu.requestCount, 1);
});

test("close() stops listening and cancels pending timers", async (t) => {
  const clock = new ManualClock();
  const emu = await startEmulator({ clock, operationDelayMs: 10_000, bootDelayMs: 10_000 });
  const pool = emu.createPool({ size: 1 });
  await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 });
  t.true(clock.pendingTimers > 0);
  await emu.close();
  t.is(clock.pendingTimers, 0);
  await t.throwsAsync(fetch(`${emu.url}/instance-pool`));
  await emu.close(); // idempotent
});

test("loopback addresses start at 127.0.0.2, cycle forward and are not reused at once", (t) => {
  const allocator = new LoopbackAllocator();
  t.is(allocator.allocate(), "127.0.0.2");
  t.is(allocator.allocate(), "127.0.0.3");
  allocator.release("127.0.0.2");
  t.is(allocator.allocate(), "127.0.0.4", "a freed address waits for the cursor to wrap");
  const rest: (string | undefined)[] = [];
  for (let i = 0; i < ADDRESS_CAPACITY; i += 1) rest.push(allocator.allocate());
  t.true(rest.includes("127.0.0.2"), "the cursor wraps to freed addresses");
  t.false(rest.includes("127.0.0.1"));
  t.is(rest.at(-1), undefined, "a full range says so");
});

test("an unsigned request gets 401 even while faults or scripted answers are set; those apply to signed requests", async (t) => {
  const { emu } = await start(t, { random: () => 0 });
  emu.setFaults({ errorRate: 1, rateLimitRate: 1 });
  const unsigned = await fetch(`${emu.url}/instance-pool`);
  t.is(unsigned.status, 401);
  t.regex((await json<{ message: string }>(unsigned)).message, /Authorization/);
  t.is((await call(emu, "GET", "instance-pool")).status, 429, "a signed request meets the fault");
  emu.setFaults({});
  emu.injectResponses([{ status: 500 }]);
  const tampered = await signedFetch(emu.url, "GET", "instance-pool", { key: emu.key, secret: "not-the-secret" });
  t.is(tampered.status, 401, "a bad signature is refused before the scripted answer");
  t.is((await call(emu, "GET", "instance-pool")).status, 500, "the scripted answer waits for the next signed request");
  t.is((await call(emu, "GET", "instance-pool")).status, 200);
});

test("a body over 64 KiB gets a 413 with the API's error body, and the emulator keeps serving", async (t) => {
  const { emu } = await start(t);
  const pool = emu.createPool({ size: 1 });
  const big = JSON.stringify({ size: 2, padding: "x".repeat(70 * 1024) });
  const response = await call(emu, "PUT", `instance-pool/${pool.id}:scale`, big);
  t.is(response.status, 413);
  t.is(response.headers.get("content-type"), "application/json");
  t.regex((await json<{ message: string }>(response)).message, /request body too large/);
  t.is(emu.pool(pool.id).size, 1, "nothing was scaled");
  t.is((await call(emu, "GET", `instance-pool/${pool.id}`)).status, 200);
});

test("a malformed percent-escape in an id is a 400 with the API's error body, not a 500", async (t) => {
  const { emu } = await start(t);
  const response = await call(emu, "GET", "instance-pool/%E0%A4%A");
  t.is(response.status, 400);
  t.regex((await json<{ message: string }>(response)).message, /invalid instance pool id "%E0%A4%A"/);
  t.is((await call(emu, "GET", "operation/%zz")).status, 400);
});
