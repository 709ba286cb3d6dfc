/**
 * The decision loop and the Exoscale pool target against the in-process API emulator, through the real client,
 * with sinon fake timers driving both the loop's ticks and the emulator's operation delays.
 */
import test, { type ExecutionContext } from "ava";
import { once } from "node:events";
import sinon from "sinon";
import type { Emulator, RequestRecord } from "../../../sandbox/emulator/server.js";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { ExoscaleTimeoutError } from "../../../lib/exoscale/errors.js";
import type { ComputeApi } from "../../../lib/exoscale/types.js";
import { COURSE_POLICY, type PolicyOptions } from "../../../services/scaler/policy/options.js";
import { ExoscalePoolTarget } from "../../../services/scaler/targets/exoscalePool.js";
import { DecisionLoop, type DecisionRecord } from "../../../services/scaler/loop.js";
import { createScalerMetrics } from "../../../services/scaler/metrics.js";
import type { Signal } from "../../../services/scaler/signals.js";
import { SignalStore } from "../../../services/scaler/signalStore.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { startTestEmulator } from "../../helpers/emulator.js";
import { drive } from "../../helpers/fakeTime.js";

const TICK = 60_000;
const OP_DELAY = 5_000;
const FAKE = {
  toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] as Array<
    "setTimeout" | "clearTimeout" | "setInterval" | "clearInterval" | "Date"
  >,
};

interface Rig {
  emulator: Emulator;
  poolId: string;
  clock: sinon.SinonFakeTimers;
  store: SignalStore;
  loop: DecisionLoop;
  logger: ReturnType<typeof createMemoryLogger>;
  metrics: ReturnType<typeof createScalerMetrics>;
  /** Advances fake time to the next tick and waits (real I/O included) until that tick is done. */
  nextTick(): Promise<DecisionRecord | undefined>;
  /** Drives fake time and real I/O until `promise` settles (at most 20 s of fake time). */
  settle<T>(promise: Promise<T>): Promise<T>;
  signal(...signals: Signal[]): void;
}

const pulse = (direction: "up" | "down"): Signal => ({ direction, source: "request", key: "", status: "pulse" });

async function rig(
  t: ExecutionContext,
  options: {
    size?: number;
    policy?: Partial<PolicyOptions>;
    dryRun?: boolean;
    emulator?: Emulator;
    poolId?: string;
    clock?: sinon.SinonFakeTimers;
    /** Wraps the real client, e.g. to fail a call after the API carried it out. */
    wrapApi?: (api: ComputeApi) => ComputeApi;
  } = {},
): Promise<Rig> {
  const clock = options.clock ?? sinon.useFakeTimers({ now: Date.parse("2026-01-01T12:00:00Z"), ...FAKE });
  if (options.clock === undefined) t.teardown(() => clock.restore());
  const emulator = options.emulator ?? (await startTestEmulator(t, { host: "127.0.0.1", operationDelayMs: OP_DELAY }));
  const poolId = options.poolId ?? emulator.createPool({ size: options.size ?? 1 }).id;
  const logger = createMemoryLogger("scaler");
  const metrics = createScalerMetrics({ defaultMetrics: false });
  const client = createExoscaleClient({
    key: emulator.key,
    secret: emulator.secret,
    zone: emulator.zone,
    endpoint: emulator.url,
    retry: { limit: 1, baseDelayMs: 10 },
  });
  const api = options.wrapApi?.(client) ?? client;
  const store = new SignalStore(600_000);
  const target = new ExoscalePoolTarget(api, poolId, logger);
  const loop = new DecisionLoop({
    target,
    store,
    policy: { ...COURSE_POLICY, ...options.policy },
    tickMs: TICK,
    dryRun: options.dryRun ?? false,
    logger,
    metrics,
  });
  t.teardown(() => loop.stop());
  let started = false;
  // Let HTTP round trips (and the client's short retry backoff) complete: 10 real turns per 50 ms of
  // fake time, at most 20 s of it, well before the loop's next tick.
  const settle = <T>(promise: Promise<T>): Promise<T> => drive(clock, promise, { stepMs: 50, turns: 10, maxSteps: 400 });
  const nextTick = async (): Promise<DecisionRecord | undefined> => {
    const done = once(loop.events, "tick") as Promise<[DecisionRecord | undefined]>;
    if (!started) {
      started = true;
      loop.start();
      await clock.tickAsync(0);
    } else {
      await clock.tickAsync(TICK);
    }
    const [record] = await settle(done);
    return record;
  };
  return { emulator, poolId, clock, store, loop, logger, metrics, nextTick, settle, signal: (...s) => store.record(s, Date.now()) };
}

test.serial("the course sequence against the emulator: 1 → /up → 2 → /down → 1 → /down → stays 1", async (t) => {
  const r = await rig(t);
  t.like(await r.nextTick(), { reason: "no signal", direction: "none", targetSize: 1 });

  r.signal(pulse("up"));
  t.like(await r.nextTick(), { reason: "up signal", direction: "up", currentSize: 1, targetSize: 2 });
  t.is(r.emulator.pool(r.poolId).size, 2);

  r.signal(pulse("down"));
  t.like(await r.nextTick(), { reason: "down signal", currentSize: 2, targetSize: 1 });
  t.is(r.emulator.pool(r.poolId).size, 1);

  r.signal(pulse("down"));
  t.like(await r.nextTick(), { reason: "at min", direction: "none", targetSize: 1 });
  t.is(r.emulator.pool(r.poolId).size, 1);
  t.is(r.store.snapshot(Date.now()).down.length, 0, "the pulse at the bound was consumed");

  const decisions = r.logger.lines.filter((l) => l["msg"] === "decision").map((l) => l["reason"]);
  t.deepEqual(decisions, ["no signal", "up signal", "down signal", "at min"]);
});

test.serial("one pulse is one step; a firing alert steps every tick until resolved; resolved never scales", async (t) => {
  const r = await rig(t, { size: 2 });
  await r.nextTick();
  r.signal(pulse("up"));
  await r.nextTick();
  t.is(r.emulator.pool(r.poolId).size, 3);
  t.like(await r.nextTick(), { reason: "no signal" });
  t.is(r.emulator.pool(r.poolId).size, 3);

  const alert: Signal = { direction: "up", source: "grafana", key: "grafana:fp", status: "firing", startsAt: "2026-01-01T12:00:00Z" };
  r.signal(alert);
  await r.nextTick();
  r.signal(alert); // a repeat: counts once
  await r.nextTick();
  t.is(r.emulator.pool(r.poolId).size, 5);
  r.signal({ ...alert, status: "resolved" });
  t.like(await r.nextTick(), { reason: "no signal" });
  t.is(r.emulator.pool(r.poolId).size, 5);
});

test.serial("a tick that finds the pool changing skips and keeps the pulse for later", async (t) => {
  const r = await rig(t, { size: 2 });
  await r.nextTick();
  r.signal(pulse("up"));
  await r.nextTick(); // scale to 3, operation pending for OP_DELAY
  r.signal(pulse("up"));
  // A tick before the operation ends (the loop's next tick comes after OP_DELAY here, so force one).
  const early = await r.loop.tick();
  t.like(early, { reason: "target busy", evaluated: false });
  t.regex(early?.detail ?? "", /operation pending/);
  // Both pulses are held: the first until its operation is known to have succeeded, the second for its own step.
  t.is(r.store.snapshot(Date.now()).up.length, 2, "pulses kept");
  t.like(await r.nextTick(), { reason: "up signal", currentSize: 3, targetSize: 4 });
  t.is(r.emulator.pool(r.poolId).size, 4, "two pulses, two steps");
});

test.serial("API errors never stop the loop", async (t) => {
  const r = await rig(t, { size: 1 });
  await r.nextTick();
  r.signal(pulse("up"));
  r.emulator.setFaults({ errorRate: 1, errorStatus: 503 });
  t.is(await r.nextTick(), undefined);
  t.regex(await r.metrics.registry.metrics(), /scaler_api_errors_total\{operation="get-instance-pool"\} 1/);
  t.true(r.logger.lines.some((l) => l["msg"] === "tick failed, will retry next tick" && l["level"] === "error"));
  t.is(r.store.snapshot(Date.now()).up.length, 1, "the pulse waits for a working tick");
  r.emulator.setFaults({});
  t.like(await r.nextTick(), { reason: "up signal", targetSize: 2 });
  t.is(r.emulator.pool(r.poolId).size, 2);
  t.regex(await r.metrics.registry.metrics(), /scaler_last_tick_timestamp_seconds \d+/);
});

test.serial("scale-in through evict removes the chosen member (oldest)", async (t) => {
  const r = await rig(t, { size: 1, policy: { victim: "oldest" } });
  await r.nextTick();
  const oldest = r.emulator.pool(r.poolId).members[0]!.id;
  // Two scale-ups a tick apart give the members distinct ages.
  r.signal(pulse("up"));
  await r.nextTick();
  r.signal(pulse("up"));
  await r.nextTick();
  t.is(r.emulator.pool(r.poolId).size, 3);
  r.signal(pulse("down"));
  const d = await r.nextTick();
  t.deepEqual(d?.victims, [oldest]);
  await r.clock.tickAsync(OP_DELAY);
  const members = r.emulator.pool(r.poolId).members.filter((m) => m.state !== "destroying" && m.state !== "destroyed");
  t.is(r.emulator.pool(r.poolId).size, 2);
  t.false(members.some((m) => m.id === oldest));
  t.true(r.emulator.requests.some((q) => q.operation === "evict-instance-pool-members"));
});

test.serial("dry-run decides and logs but never changes the pool", async (t) => {
  const r = await rig(t, { size: 1, dryRun: true });
  await r.nextTick();
  r.signal(pulse("up"));
  t.like(await r.nextTick(), { reason: "up signal", targetSize: 2, dryRun: true });
  t.is(r.emulator.pool(r.poolId).size, 1);
  t.false(r.emulator.requests.some((q) => q.operation === "scale-instance-pool" || q.operation === "evict-instance-pool-members"));
  t.true(r.logger.lines.some((l) => l["msg"] === "decision" && l["dryRun"] === true && l["to"] === 2));
});

test.serial("cooldown comes from the members' created-at, so it survives a restart", async (t) => {
  const first = await rig(t, { size: 1 });
  await first.nextTick();
  first.signal(pulse("up"));
  await first.nextTick();
  await first.clock.tickAsync(OP_DELAY);
  await first.loop.stop();
  // A fresh scaler process (new loop, new driver, no memory) one minute after the scale-up.
  const second = await rig(t, {
    emulator: first.emulator,
    poolId: first.poolId,
    clock: first.clock,
    policy: { scaleDownCooldownMs: 300_000, scaleUpWarmupMs: 30_000 },
  });
  await second.nextTick();
  second.signal(pulse("down"));
  t.like(await second.nextTick(), { reason: "cooling down", targetSize: 2 });
  second.signal(pulse("up"));
  // The 30 s warm-up is over; the down pulse kept through the cooldown meets the up pulse, and up wins.
  t.like(await second.loop.tick(), { reason: "up wins over down" });
  t.is(second.emulator.pool(second.poolId).size, 3);
});

test.serial("metrics and one structured log line per decision", async (t) => {
  const r = await rig(t, { size: 1 });
  await r.nextTick();
  r.signal(pulse("up"));
  await r.nextTick();
  const text = await r.metrics.registry.metrics();
  t.regex(text, /scaler_decisions_total\{direction="none",reason="no signal"\} 1/);
  t.regex(text, /scaler_decisions_total\{direction="up",reason="up signal"\} 1/);
  t.regex(text, /scaler_pool_size 1/);
  t.regex(text, /scaler_pool_desired_size 2/);
  t.regex(text, /scaler_ticks_total 2/);
  const line = r.logger.lines.filter((l) => l["msg"] === "decision").at(-1);
  t.like(line, {
    level: "info",
    service: "scaler",
    reason: "up signal",
    direction: "up",
    from: 1,
    to: 2,
    signalsUp: 1,
    dryRun: false,
  });
  t.is(line?.["busy"], undefined);
  t.is(typeof line?.["change"], "string");
});

test.serial("proportional: one reading scales once; the next step waits for a fresh value", async (t) => {
  const r = await rig(t, { size: 1, policy: { mode: "proportional", targetCpu: 50 } });
  await r.nextTick();
  const alert: Signal = {
    direction: "up",
    source: "grafana",
    key: "grafana:cpu",
    status: "firing",
    startsAt: "2026-01-01T12:00:00Z",
    value: 100,
  };
  r.signal(alert);
  t.like(await r.nextTick(), { reason: "up signal", currentSize: 1, targetSize: 2 });
  t.like(await r.nextTick(), { reason: "stale value", targetSize: 2 });
  t.is(r.emulator.pool(r.poolId).size, 2);
  r.signal({ ...alert, value: 90 }); // Grafana's repeat, measured on the larger pool
  t.like(await r.nextTick(), { reason: "up signal", currentSize: 2, targetSize: 4 });
  t.is(r.emulator.pool(r.poolId).size, 4);
});

/** Runs `act` once, right after the tick's last read (list-instances), i.e. just before it applies. */
function beforeApply(emulator: Emulator, act: () => void): () => void {
  const listener = (q: RequestRecord): void => {
    if (q.operation !== "list-instances") return;
    emulator.events.off("request", listener);
    act();
  };
  emulator.events.on("request", listener);
  return () => emulator.events.off("request", listener);
}

/**
 * What a client timeout looks like when the API went ahead anyway (ky aborts the request, the server
 * carries on): the real :scale is made, then the call throws the client's timeout error.
 */
function appliedThenTimedOut(times: number): (api: ComputeApi) => ComputeApi {
  let left = times;
  return (api) => ({
    ...api,
    scaleInstancePool: async (poolId, size) => {
      const operation = await api.scaleInstancePool(poolId, size);
      if (left <= 0) return operation;
      left -= 1;
      throw new ExoscaleTimeoutError({ method: "PUT", path: `/v2/instance-pool/${poolId}:scale`, timeoutMs: 10_000 });
    },
  });
}

test.serial(":scale timed out but carried out by the API: the next tick consumes the pulse instead of stepping again", async (t) => {
  const r = await rig(t, { size: 1, wrapApi: appliedThenTimedOut(1) });
  await r.nextTick();
  r.signal(pulse("up"));
  const failed = await r.nextTick();
  t.like(failed, { reason: "up signal", targetSize: 2 });
  t.regex(failed?.error ?? "", /scale-instance-pool failed/);
  t.is(r.store.snapshot(Date.now()).up.length, 1, "the pulse is kept while the outcome is unknown");
  await r.clock.tickAsync(OP_DELAY);
  t.is(r.emulator.pool(r.poolId).size, 2, "the API scaled although the call failed");

  const settled = await r.nextTick();
  t.like(settled, { reason: "no signal", direction: "none", currentSize: 2, targetSize: 2, evaluated: true });
  t.is(r.emulator.pool(r.poolId).size, 2, "one signal, one step");
  t.is(r.store.snapshot(Date.now()).up.length, 0, "the pulse is consumed");
  t.true(
    r.logger.lines.some(
      (l) => l["msg"] === "change settled" && l["outcome"] === "made after all" && /made after all/.test(String(l["detail"])),
    ),
  );
  t.regex(await r.metrics.registry.metrics(), /scaler_changes_settled_total\{outcome="made after all"\} 1/);
  t.like(await r.nextTick(), { reason: "no signal" });
  t.is(r.emulator.pool(r.poolId).size, 2);
  t.is(r.emulator.requests.filter((q) => q.operation === "scale-instance-pool").length, 1);
});

test.serial("a failed call found applied while the pool was still busy is settled once it runs again", async (t) => {
  const r = await rig(t, { size: 1, wrapApi: appliedThenTimedOut(1) });
  await r.nextTick();
  r.signal(pulse("up"));
  await r.nextTick();
  // A tick while the pool is still scaling cannot judge; it keeps the pulse and the memory of the call.
  t.like(await r.loop.tick(), { reason: "target busy", evaluated: false });
  t.like(await r.nextTick(), { reason: "no signal", currentSize: 2 });
  t.is(r.emulator.pool(r.poolId).size, 2);
  t.true(r.logger.lines.some((l) => l["msg"] === "change settled" && l["outcome"] === "made after all"));
});

test.serial(":scale refused on every retry (the API did not act): the next tick steps", async (t) => {
  const r = await rig(t, { size: 1 });
  await r.nextTick();
  r.signal(pulse("up"));
  // The first attempt and the client's one retry both get a 503 before the emulator acts.
  beforeApply(r.emulator, () => r.emulator.injectResponses([{ status: 503 }, { status: 503 }]));
  t.like(await r.nextTick(), { reason: "up signal", targetSize: 2 });
  t.is(r.emulator.pool(r.poolId).size, 1);
  t.like(await r.nextTick(), { reason: "up signal", currentSize: 1, targetSize: 2 });
  t.is(r.emulator.pool(r.poolId).size, 2);
  t.true(r.logger.lines.some((l) => l["msg"] === "change not made" && l["outcome"] === "not made"));
  await r.clock.tickAsync(OP_DELAY);
  t.like(await r.nextTick(), { reason: "no signal", currentSize: 2 });
  t.is(r.store.snapshot(Date.now()).up.length, 0);
});

test.serial("a pulse that arrives after the failed call still gets its own step", async (t) => {
  const r = await rig(t, { size: 1, wrapApi: appliedThenTimedOut(1) });
  await r.nextTick();
  r.signal(pulse("up"));
  await r.nextTick();
  r.signal(pulse("up"));
  await r.clock.tickAsync(OP_DELAY);
  // The tick that finds the first change made uses up its pulse only; the newer one steps at once.
  t.like(await r.nextTick(), { reason: "up signal", currentSize: 2, targetSize: 3 });
  await r.clock.tickAsync(OP_DELAY);
  t.is(r.emulator.pool(r.poolId).size, 3);
  t.like(await r.nextTick(), { reason: "no signal", currentSize: 3 });
  t.is(r.store.snapshot(Date.now()).up.length, 0);
});

test.serial("stop during a tick's read: the decision is logged but never applied", async (t) => {
  const r = await rig(t, { size: 1 });
  await r.nextTick();
  r.signal(pulse("up"));
  r.emulator.setFaults({ latencyMs: 1_000 }); // the tick's reads are slow
  const done = once(r.loop.events, "tick") as Promise<[DecisionRecord | undefined]>;
  await r.clock.tickAsync(TICK); // the tick starts and waits for get-instance-pool
  t.is(r.loop.status().target?.readAt, new Date(Date.now() - TICK).toISOString(), "still reading");
  await r.settle(r.loop.stop());
  const [record] = await done;
  t.like(record, { reason: "up signal", direction: "up", targetSize: 2, notApplied: "scaler stopping" });
  t.is(record?.changeId, undefined);
  t.false(r.emulator.requests.some((q) => q.operation === "scale-instance-pool" || q.operation === "evict-instance-pool-members"));
  t.is(r.emulator.pool(r.poolId).size, 1);
  t.true(r.logger.lines.some((l) => l["msg"] === "decision" && l["notApplied"] === "scaler stopping"));
});

test.serial("an operation that ends in failure keeps its pulse: the next tick tries again and logs why", async (t) => {
  const r = await rig(t, { size: 1 });
  await r.nextTick();
  r.signal(pulse("up"));
  r.emulator.setFaults({ failOperations: true });
  t.like(await r.nextTick(), { reason: "up signal", targetSize: 2 });
  await r.clock.tickAsync(OP_DELAY);
  t.is(r.emulator.pool(r.poolId).size, 1, "the emulator rolled the failed operation back");
  r.emulator.setFaults({});
  t.like(await r.nextTick(), { reason: "up signal", currentSize: 1, targetSize: 2 });
  const failure = r.logger.lines.find((l) => l["msg"] === "change not made");
  t.like(failure, { level: "warn", outcome: "failed", signals: "kept for the next tick" });
  t.regex(String(failure?.["detail"]), /ended in failure \(fault\)/);
  await r.clock.tickAsync(OP_DELAY);
  t.like(await r.nextTick(), { reason: "no signal", currentSize: 2 });
  t.is(r.store.snapshot(Date.now()).up.length, 0, "used up once the change succeeded");
  t.regex(await r.metrics.registry.metrics(), /scaler_changes_settled_total\{outcome="failed"\} 1/);
});

test.serial("a pulse is used up only when its change is known to have succeeded", async (t) => {
  const r = await rig(t, { size: 1 });
  await r.nextTick();
  r.signal(pulse("up"));
  await r.nextTick();
  t.is(r.store.snapshot(Date.now()).up.length, 1, "held while the operation runs");
  await r.clock.tickAsync(OP_DELAY);
  t.like(await r.nextTick(), { reason: "no signal" });
  t.is(r.store.snapshot(Date.now()).up.length, 0);
  t.true(r.logger.lines.some((l) => l["msg"] === "change settled" && l["outcome"] === "succeeded" && l["signals"] === "used up"));
});
