/**
 * The one place that decides: a pure function of the pool as read from the API, the asserted
 * signals, the options and the clock. The loop and the benchmark both call it; nothing else scales.
 */
import type { InstancePoolState, InstanceState } from "../../lib/exoscale/types.js";
import type { PolicyOptions } from "./config.js";
import type { AssertedSignal, SignalState } from "./signalStore.js";

export interface PoolMember {
  id: string;
  /** ms since epoch, from the member's `created-at`: warm-up and cooldown survive restarts. */
  createdAt: number;
  state: InstanceState;
}

export interface PoolView {
  size: number;
  state: InstancePoolState;
  members: PoolMember[];
  /** Our own last scale/evict operation has not finished yet. */
  operationPending: boolean;
  /** When this process last changed the pool (ms); lost on restart, created-at covers scale-ups. */
  lastChangeAt?: number;
}

/** Every reason a decision can give; short, fixed strings so they can label metrics. */
export const DECISION_REASONS = [
  "up signal",
  "down signal",
  "up wins over down",
  "above max",
  "below min",
  "at max",
  "at min",
  "warming up",
  "covered by booting members",
  "stale value",
  "cooling down",
  "flap guard",
  "no signal",
  "already applied", // given by the loop, not decide(): a failed call the API carried out after all
  "operation pending",
  "pool creating",
  "pool scaling-up",
  "pool scaling-down",
  "pool updating",
  "pool destroying",
  "pool suspended",
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

export interface Decision {
  direction: "up" | "down" | "none";
  currentSize: number;
  targetSize: number;
  /** Members to evict for a scale-in (SCALE_IN_VICTIM newest|oldest); absent → plain `:scale`. */
  victims?: string[];
  reason: DecisionReason;
  /** The numbers behind the reason, for the log line and /status. */
  detail: string;
  /** False when the pool could not be judged (busy): pulses then wait for the next tick. */
  evaluated: boolean;
}

const GONE: ReadonlySet<InstanceState> = new Set(["destroying", "destroyed", "expunging"]);

function hold(pool: PoolView, reason: DecisionReason, detail: string, evaluated = true): Decision {
  return { direction: "none", currentSize: pool.size, targetSize: pool.size, reason, detail, evaluated };
}

/**
 * The highest CPU these signals reported since our last change to the pool. A value from before it
 * describes the old size; re-applying it every tick would compound (1 → 2 → 4 → 8 on one reading).
 */
function reportedCpu(signals: readonly AssertedSignal[], pool: PoolView): { cpu?: number; stale: boolean } {
  const withValue = signals.filter((s) => s.value !== undefined);
  const fresh = withValue.filter((s) => pool.lastChangeAt === undefined || (s.valueAt ?? Number.NEGATIVE_INFINITY) > pool.lastChangeAt);
  if (fresh.length === 0) return { stale: withValue.length > 0 };
  return { cpu: Math.max(...fresh.map((s) => s.value!)), stale: false };
}

/**
 * Members whose CPU the alert's average covers: the running ones (as HPA counts ready pods), or the
 * pool size while members are not listed.
 */
function servingCount(pool: PoolView): number {
  if (pool.members.length === 0) return pool.size;
  return pool.members.filter((m) => m.state === "running").length;
}

/** A bare /up or /down asks for one step whatever the alerts last measured. */
function hasPulse(signals: readonly AssertedSignal[]): boolean {
  return signals.some((s) => s.kind === "pulse");
}

function newestMemberAt(pool: PoolView): number | undefined {
  const times = pool.members.filter((m) => !GONE.has(m.state) && Number.isFinite(m.createdAt)).map((m) => m.createdAt);
  return times.length > 0 ? Math.max(...times) : undefined;
}

function pickVictims(pool: PoolView, count: number, options: PolicyOptions): string[] | undefined {
  if (options.victim === "pool" || count <= 0) return undefined;
  const candidates = pool.members.filter((m) => !GONE.has(m.state));
  if (candidates.length < count) return undefined; // members not listed yet: let the pool choose
  const sorted = [...candidates].sort((a, b) =>
    options.victim === "newest"
      ? b.createdAt - a.createdAt || a.id.localeCompare(b.id)
      : a.createdAt - b.createdAt || a.id.localeCompare(b.id),
  );
  return sorted.slice(0, count).map((m) => m.id);
}

function shrink(pool: PoolView, target: number, reason: DecisionReason, detail: string, options: PolicyOptions): Decision {
  const victims = pickVictims(pool, pool.size - target, options);
  return {
    direction: "down",
    currentSize: pool.size,
    targetSize: target,
    ...(victims !== undefined ? { victims } : {}),
    reason,
    detail,
    evaluated: true,
  };
}

function grow(pool: PoolView, target: number, reason: DecisionReason, detail: string): Decision {
  return { direction: "up", currentSize: pool.size, targetSize: target, reason, detail, evaluated: true };
}

function secondsLeft(ms: number): string {
  return `${Math.ceil(ms / 1000)} s left`;
}

/**
 * Proportional mode: the members that would bring the running ones' average CPU to TARGET_CPU, with the
 * numbers behind it for the detail line.
 */
function proportionalTarget(pool: PoolView, cpu: number, options: PolicyOptions): { serving: number; desired: number; basis: string } {
  const serving = servingCount(pool);
  const desired = Math.ceil((serving * cpu) / options.targetCpu);
  return { serving, desired, basis: `cpu ${cpu} % on ${serving} running at target ${options.targetCpu} % wants ${desired}` };
}

/** Proportional mode waits for a fresh value rather than re-apply one measured before our last change (a pulse still steps). */
function staleHold(
  pool: PoolView,
  direction: "up" | "down",
  asserted: readonly AssertedSignal[],
  stale: boolean,
  options: PolicyOptions,
): Decision | undefined {
  if (options.mode !== "proportional" || !stale || hasPulse(asserted)) return undefined;
  return hold(pool, "stale value", `the ${direction} alert's last value predates our last change; waiting for a fresh notification`);
}

function decideUp(pool: PoolView, up: readonly AssertedSignal[], reason: DecisionReason, options: PolicyOptions, now: number): Decision {
  const { size } = pool;
  const { maxSize } = options;
  if (size >= maxSize) return hold(pool, "at max", `size ${size} is at MAX_SIZE ${maxSize}`);
  const newest = newestMemberAt(pool);
  if (options.scaleUpWarmupMs > 0 && newest !== undefined && now - newest < options.scaleUpWarmupMs) {
    return hold(
      pool,
      "warming up",
      `newest member is ${Math.floor((now - newest) / 1000)} s old, warm-up ${secondsLeft(options.scaleUpWarmupMs - (now - newest))}`,
    );
  }
  const { cpu, stale } = reportedCpu(up, pool);
  const waiting = staleHold(pool, "up", up, stale, options);
  if (waiting !== undefined) return waiting;
  if (options.mode !== "proportional" || cpu === undefined) return grow(pool, size + 1, reason, `${size} → ${size + 1}`);
  const { serving, desired, basis } = proportionalTarget(pool, cpu, options);
  // The high average is over the running members only; members still booting will absorb it.
  if (serving < size && desired <= size)
    return hold(pool, "covered by booting members", `${basis}; ${size - serving} of ${size} still booting`);
  const target = Math.min(Math.max(desired, size + 1), size + options.maxStep, maxSize);
  return grow(pool, target, reason, `${basis}; ${size} → ${target}`);
}

/** The smallest size at or above `target` whose projected CPU (same load, fewer members) stays under SCALE_UP_CPU. */
function flapGuarded(size: number, target: number, cpu: number, options: PolicyOptions): number {
  let guarded = target;
  while (guarded < size && (cpu * size) / guarded >= options.scaleUpCpu) guarded += 1;
  return guarded;
}

function decideDown(pool: PoolView, down: readonly AssertedSignal[], options: PolicyOptions, now: number): Decision {
  const { size } = pool;
  const { minSize } = options;
  if (size <= minSize) return hold(pool, "at min", `size ${size} is at MIN_SIZE ${minSize}`);
  const lastActivity = Math.max(newestMemberAt(pool) ?? Number.NEGATIVE_INFINITY, pool.lastChangeAt ?? Number.NEGATIVE_INFINITY);
  if (options.scaleDownCooldownMs > 0 && Number.isFinite(lastActivity) && now - lastActivity < options.scaleDownCooldownMs) {
    return hold(
      pool,
      "cooling down",
      `last change ${Math.floor((now - lastActivity) / 1000)} s ago, cooldown ${secondsLeft(options.scaleDownCooldownMs - (now - lastActivity))}`,
    );
  }
  const { cpu, stale } = reportedCpu(down, pool);
  const waiting = staleHold(pool, "down", down, stale, options);
  if (waiting !== undefined) return waiting;
  let target = size - 1;
  let detail = `${size} → ${target}`;
  if (options.mode === "proportional" && cpu !== undefined) {
    const { desired, basis } = proportionalTarget(pool, cpu, options);
    target = Math.max(Math.min(desired, size - 1), size - options.maxStep, minSize);
    detail = `${basis}; ${size} → ${target}`;
  }
  if (options.flapGuard && cpu !== undefined && cpu > 0) {
    // The same load on fewer members: stop before the projected CPU would fire the up alert.
    const projected = (n: number): string => ((cpu * size) / n).toFixed(1);
    const guarded = flapGuarded(size, target, cpu, options);
    if (guarded === size) {
      return hold(
        pool,
        "flap guard",
        `cpu ${cpu} % on ${size} would be ${projected(size - 1)} % on ${size - 1}, at or above SCALE_UP_CPU ${options.scaleUpCpu} %`,
      );
    }
    if (guarded !== target) {
      detail += `; flap guard keeps ${guarded} (projected ${projected(guarded)} %)`;
      target = guarded;
    }
  }
  return shrink(pool, target, "down signal", detail, options);
}

export function decide(pool: PoolView, signals: SignalState, options: PolicyOptions, now: number): Decision {
  if (pool.operationPending) return hold(pool, "operation pending", "our last scale operation has not finished", false);
  if (pool.state !== "running") return hold(pool, `pool ${pool.state}`, `the pool is ${pool.state}; waiting for it to settle`, false);

  const { size } = pool;
  const { minSize, maxSize } = options;
  if (size > maxSize) return shrink(pool, maxSize, "above max", `size ${size} exceeds MAX_SIZE ${maxSize}`, options);
  if (size < minSize) return grow(pool, minSize, "below min", `size ${size} is under MIN_SIZE ${minSize}`);

  const wantsUp = signals.up.length > 0;
  const wantsDown = signals.down.length > 0;
  if (!wantsUp && !wantsDown) return hold(pool, "no signal", "no signal since the last tick and no alert firing");
  // Both directions at once: adding capacity is the safe side.
  if (wantsUp) return decideUp(pool, signals.up, wantsDown ? "up wins over down" : "up signal", options, now);
  return decideDown(pool, signals.down, options, now);
}
