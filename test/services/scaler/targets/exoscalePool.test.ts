/**
 * The Exoscale pool target: what it reports (members, busy, last change) and how it follows its own
 * changes to their end, against the in-process API emulator through the real client where the API's
 * behaviour matters, and against a small scripted API where a precise answer is needed. `now` is passed
 * explicitly, so no clock is faked here.
 */
import test, { type ExecutionContext } from "ava";
import type { Emulator, EmulatorOptions } from "../../../../sandbox/emulator/server.js";
import { createExoscaleClient } from "../../../../lib/exoscale/client.js";
import { ExoscaleTimeoutError } from "../../../../lib/exoscale/errors.js";
import type { Instance, InstancePool, Operation } from "../../../../lib/exoscale/types.js";
import { createMemoryLogger } from "../../../../lib/shared/log.js";
import type { Decision } from "../../../../services/scaler/policy/decide.js";
import { TargetError } from "../../../../services/scaler/target.js";
import { ExoscalePoolTarget, type PoolApi } from "../../../../services/scaler/targets/exoscalePool.js";
import { startTestEmulator } from "../../../helpers/emulator.js";

const T0 = Date.parse("2026-01-01T12:00:00Z");
const MAX_PENDING = 15 * 60_000;
const POOL_ID = "0b5c8f4e-7a1d-4c3b-9e2f-6d8a1b2c3d4e";

function emulator(t: ExecutionContext, options: EmulatorOptions = {}): Promise<Emulator> {
  // Operations stay pending far longer than any test runs unless a test says otherwise.
  return startTestEmulator(t, { host: "127.0.0.1", operationDelayMs: 3_600_000, ...options });
}

function targetFor(e: Emulator, logger = createMemoryLogger("scaler")): ExoscalePoolTarget {
  const api = createExoscaleClient({ key: e.key, secret: e.secret, zone: e.zone, endpoint: e.url, retry: { limit: 1, baseDelayMs: 1 } });
  return new ExoscalePoolTarget(api, POOL_ID, logger, { maxPendingMs: MAX_PENDING });
}

function decision(direction: "up" | "down", from: number, to: number, extra: Partial<Decision> = {}): Decision {
  return {
    direction,
    currentSize: from,
    targetSize: to,
    reason: `${direction} signal`,
    detail: "",
    evaluated: true,
    consumes: [7],
    ...extra,
  };
}
const up = decision("up", 1, 2);

/** A scripted API: the pool and members it reports, and what each change call answers. */
class ScriptedApi implements PoolApi {
  pool: InstancePool = { id: POOL_ID, name: "web", size: 2, state: "running", instanceIds: [], labels: {} };
  members: Instance[] = [];
  calls: string[] = [];
  changeAnswer: () => Promise<Operation> = async () => ({ id: "op-1", state: "pending" });
  operation: () => Promise<Operation> = async () => ({ id: "op-1", state: "pending" });
  poolError?: Error;
  membersError?: Error;
  async getInstancePool(): Promise<InstancePool> {
    this.calls.push("get-instance-pool");
    if (this.poolError) throw this.poolError;
    return { ...this.pool };
  }
  async listPoolMembers(): Promise<Instance[]> {
    this.calls.push("list-instances");
    if (this.membersError) throw this.membersError;
    return this.members;
  }
  async scaleInstancePool(_poolId: string, size: number): Promise<Operation> {
    this.calls.push(`scale ${size}`);
    return this.changeAnswer();
  }
  async evictInstancePoolMembers(_poolId: string, ids: string[]): Promise<Operation> {
    this.calls.push(`evict ${ids.join(",")}`);
    return this.changeAnswer();
  }
  async getOperation(): Promise<Operation> {
    this.calls.push("get-operation");
    return this.operation();
  }
}

function member(id: string, state: Instance["state"], createdAt: string): Instance {
  return { id, name: id, state, createdAt, labels: {} };
}

test("members on their way out are not listed; only running ones serve", async (t) => {
  const api = new ScriptedApi();
  api.members = [
    member("old", "destroying", "2026-01-01T10:00:00Z"),
    member("a", "running", "2026-01-01T11:00:00Z"),
    member("b", "starting", "2026-01-01T11:59:00Z"),
    member("gone", "destroyed", "2026-01-01T09:00:00Z"),
    member("x", "expunging", "2026-01-01T09:00:00Z"),
  ];
  const { view } = await new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger()).observe(T0);
  t.deepEqual(view.members, [
    { id: "a", createdAt: Date.parse("2026-01-01T11:00:00Z"), serving: true },
    { id: "b", createdAt: Date.parse("2026-01-01T11:59:00Z"), serving: false },
  ]);
  t.is(view.busy, undefined);
  t.is(view.size, 2);
});

test("a pool that is not running is busy with its state", async (t) => {
  const api = new ScriptedApi();
  api.pool.state = "scaling-down";
  const { view } = await new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger()).observe(T0);
  t.is(view.busy, "scaling-down");
});

test("apply: victims evict exactly them, otherwise the pool is scaled to the target size", async (t) => {
  const api = new ScriptedApi();
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  await target.apply(decision("down", 3, 2, { victims: ["m3"] }), T0);
  t.deepEqual(api.calls, ["evict m3"]);
  api.calls = [];
  const other = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  t.deepEqual(await other.apply(decision("down", 3, 2), T0), { id: "op-1", done: false });
  t.deepEqual(api.calls, ["scale 2"]);
  await t.throwsAsync(other.apply({ ...decision("up", 2, 2), direction: "none" }, T0), { message: /nothing to apply/ });
});

test("a change the API answers as already done is done at once and nothing is followed", async (t) => {
  const api = new ScriptedApi();
  api.changeAnswer = async () => ({ id: "op-9", state: "success" });
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  t.deepEqual(await target.apply(up, T0), { id: "op-9", done: true });
  const { view, settled } = await target.observe(T0 + 1000);
  t.deepEqual(settled, []);
  t.is(view.lastChangeAt, T0);
  t.false(api.calls.includes("get-operation"));
});

test("a change the API refuses in its answer (state failure) throws with the API's reason and leaves nothing to settle", async (t) => {
  const api = new ScriptedApi();
  api.changeAnswer = async () => ({ id: "op-2", state: "failure", reason: "unavailable", message: "no capacity" });
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  const error = await t.throwsAsync(target.apply(up, T0), { instanceOf: TargetError });
  t.is(error?.operation, "scale-instance-pool");
  t.regex(error?.message ?? "", /op-2 ended in failure \(unavailable\): no capacity/);
  const { view, settled } = await target.observe(T0 + 1000);
  t.deepEqual(settled, []);
  t.is(view.lastChangeAt, undefined, "a refused change is no change");
  t.is(view.busy, undefined);
});

test("a pending operation: busy while it runs, then settled once as succeeded", async (t) => {
  const api = new ScriptedApi();
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  await target.apply(up, T0);
  const during = await target.observe(T0 + 1000);
  t.is(during.view.busy, "operation pending");
  t.deepEqual(during.settled, []);
  api.operation = async () => ({ id: "op-1", state: "success" });
  const after = await target.observe(T0 + 2000);
  t.is(after.view.busy, undefined);
  t.is(after.settled.length, 1);
  t.like(after.settled[0], { outcome: "succeeded", startedAt: T0, decision: up });
  t.is(after.view.lastChangeAt, T0);
  // Reported once, and the operation is not asked about again.
  api.calls = [];
  t.deepEqual((await target.observe(T0 + 3000)).settled, []);
  t.false(api.calls.includes("get-operation"));
});

test("an operation that fails when polled is settled as failed with the API's reason; the last change time is restored", async (t) => {
  const api = new ScriptedApi();
  api.changeAnswer = async () => ({ id: "op-0", state: "success" });
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  await target.apply(up, T0 - 600_000); // an earlier change that worked
  api.changeAnswer = async () => ({ id: "op-1", state: "pending" });
  await target.apply(decision("up", 2, 3), T0);
  api.operation = async () => ({ id: "op-1", state: "failure", reason: "fault", message: "emulated" });
  const { view, settled } = await target.observe(T0 + 5000);
  t.like(settled[0], { outcome: "failed" });
  t.regex(settled[0]?.detail ?? "", /op-1 ended in failure \(fault\): emulated/);
  t.is(view.lastChangeAt, T0 - 600_000);
});

test("a change whose call failed is judged by the pool's size once it runs: made after all", async (t) => {
  const api = new ScriptedApi();
  api.pool.size = 1;
  api.changeAnswer = async () => {
    throw new ExoscaleTimeoutError({ method: "PUT", path: "/v2/instance-pool/x:scale", timeoutMs: 10 });
  };
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  const error = await t.throwsAsync(target.apply(up, T0), { instanceOf: TargetError });
  t.is(error?.operation, "scale-instance-pool");
  // The API acted after all: busy first (nothing judged), then running at the asked size.
  api.pool = { ...api.pool, size: 2, state: "scaling-up" };
  const busy = await target.observe(T0 + 1000);
  t.deepEqual(busy.settled, []);
  t.is(busy.view.busy, "scaling-up");
  api.pool.state = "running";
  const judged = await target.observe(T0 + 2000);
  t.like(judged.settled[0], { outcome: "made after all", decision: up, startedAt: T0 });
  t.is(judged.view.lastChangeAt, T0);
  t.deepEqual((await target.observe(T0 + 3000)).settled, [], "judged once");
});

test("a change whose call failed and that the pool does not show is settled as not made", async (t) => {
  const api = new ScriptedApi();
  api.pool.size = 1;
  api.changeAnswer = async () => {
    throw new Error("socket hang up");
  };
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  await t.throwsAsync(target.apply(up, T0));
  const { view, settled } = await target.observe(T0 + 1000);
  t.like(settled[0], { outcome: "not made" });
  t.is(view.lastChangeAt, undefined);
});

test("a scale-in whose call failed counts as made when the pool is at or below its target", async (t) => {
  const api = new ScriptedApi();
  api.pool.size = 3;
  api.changeAnswer = async () => {
    throw new Error("reset");
  };
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  await t.throwsAsync(target.apply(decision("down", 3, 2), T0));
  t.like((await target.observe(T0 + 1000)).settled[0], { outcome: "not made" });
  await t.throwsAsync(target.apply(decision("down", 3, 2), T0 + 2000));
  api.pool.size = 2;
  t.like((await target.observe(T0 + 3000)).settled[0], { outcome: "made after all" });
});

test("a settled change survives an observation that fails half-way", async (t) => {
  const api = new ScriptedApi();
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  await target.apply(up, T0);
  api.operation = async () => ({ id: "op-1", state: "success" });
  api.membersError = new Error("list failed");
  const error = await t.throwsAsync(target.observe(T0 + 1000), { instanceOf: TargetError });
  t.is(error?.operation, "list-instances");
  delete api.membersError;
  const { settled } = await target.observe(T0 + 2000);
  t.like(settled[0], { outcome: "succeeded" });
});

test("when both reads fail, the pool's error is the one reported", async (t) => {
  const api = new ScriptedApi();
  api.poolError = new Error("pool read failed");
  api.membersError = new Error("members read failed");
  const error = await t.throwsAsync(new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger()).observe(T0), { instanceOf: TargetError });
  t.is(error?.operation, "get-instance-pool");
});

test("an operation the API no longer knows (emulator restarted) is judged by the pool's size", async (t) => {
  const first = await emulator(t, { pools: [{ id: POOL_ID, size: 1 }] });
  const logger = createMemoryLogger("scaler");
  const target = targetFor(first, logger);
  const applied = await target.apply(up, T0);
  t.false(applied.done);
  t.is((await target.observe(T0 + 1000)).view.busy, "operation pending");

  // The API forgets the operation: a restart on the same port, same key, same pool, now at size 2.
  const port = first.port;
  await first.close();
  const second = await emulator(t, { port, credentials: [{ key: first.key, secret: first.secret }], pools: [{ id: POOL_ID, size: 2 }] });
  t.is(second.url, first.url);

  const { view, settled } = await target.observe(T0 + 60_000);
  t.like(view, { busy: undefined, size: 2 });
  t.like(settled[0], { outcome: "made after all" });
  t.true(logger.lines.some((l) => l["level"] === "warn" && l["operation"] === applied.id && /not known/.test(String(l["msg"]))));
  // Forgotten for good: the next read does not ask for it again.
  const before = second.requests.filter((r) => r.operation === "get-operation").length;
  await target.observe(T0 + 120_000);
  t.is(second.requests.filter((r) => r.operation === "get-operation").length, before);
});

test("get-operation failing: an error before maxPendingMs fails the read, after it the pool's state speaks", async (t) => {
  const e = await emulator(t, { pools: [{ id: POOL_ID, size: 1 }] });
  const logger = createMemoryLogger("scaler");
  const target = targetFor(e, logger);
  await target.apply(up, T0);

  // Two 503s: the first attempt and the client's one retry of get-operation.
  e.injectResponses([{ status: 503 }, { status: 503 }]);
  const early = await t.throwsAsync(target.observe(T0 + 60_000), { instanceOf: TargetError });
  t.is(early?.operation, "get-operation");

  e.injectResponses([{ status: 503 }, { status: 503 }]);
  const late = await target.observe(T0 + MAX_PENDING + 1);
  // Our operation is no longer waited for; the emulated pool itself still says it is scaling up.
  t.like(late.view, { busy: "scaling-up", size: 2 });
  t.true(logger.lines.some((l) => l["level"] === "warn" && /no longer waiting/.test(String(l["msg"]))));
});

test("an operation still pending is waited for until maxPendingMs, then no longer", async (t) => {
  const e = await emulator(t, { pools: [{ id: POOL_ID, size: 1 }] });
  const target = targetFor(e);
  await target.apply(up, T0);
  t.is((await target.observe(T0 + MAX_PENDING - 1)).view.busy, "operation pending");
  t.is((await target.observe(T0 + MAX_PENDING)).view.busy, "scaling-up");
});

test("a change is recorded, and beforeChange awaited, before the API is called; the memory survives export and import", async (t) => {
  const api = new ScriptedApi();
  let seen: { calls: string[]; state: unknown } | undefined;
  const target = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger(), {
    beforeChange: async () => {
      seen = { calls: [...api.calls], state: target.exportState() };
    },
  });
  await target.apply(up, T0);
  t.deepEqual(seen, { calls: [], state: { change: { decision: up, startedAt: T0 } } });
  // After the answer: the operation to follow and the last change time; a fresh target takes them back.
  const saved = JSON.parse(JSON.stringify(target.exportState())) as unknown;
  t.deepEqual(saved, { lastChangeAt: T0, change: { decision: up, startedAt: T0, operationId: "op-1" } });
  const restarted = new ExoscalePoolTarget(api, POOL_ID, createMemoryLogger());
  t.true(restarted.importState(saved));
  t.is((await restarted.observe(T0 + 1000)).view.busy, "operation pending");
  t.false(restarted.importState({ change: { decision: "nonsense" } }));
  t.false(restarted.importState("x"));
});
