/**
 * The one place that decides: a pure function of the target as observed, the asserted signals, the
 * options and the clock. The loop and the benchmark both call it; nothing else produces a Decision.
 * It speaks of targets and members, never of a particular cloud.
 */
import type { TargetView } from "../target.js";
import { pulseIdsOf, type AssertedSignal, type SignalState } from "../signalStore.js";
import type { PolicyOptions } from "./options.js";

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
  "target busy",
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

export interface Decision {
  direction: "up" | "down" | "none";
  currentSize: number;
  targetSize: number;
  /** Members to remove on a scale-in (victim newest|oldest); absent → the target picks. */
  victims?: string[];
  reason: DecisionReason;
  /** The numbers behind the reason, for the log line and /status. */
  detail: string;
  /** False when the target could not be judged (busy): pulses then wait for the next tick. */
  evaluated: boolean;
  /**
   * The pulses (signal ids) this decision uses up once it is carried out: every pulse it saw, except when
   * the target was busy or a warm-up or cooldown holds (the request still stands once the wait is over).
   */
  consumes: readonly number[];
}

/** A decision before decide() attaches what it consumes. */
type Verdict = Omit<Decision, "consumes">;

/** Holds that only ask to wait: a bare /up or /down that meets one is kept for a later tick. */
const WAITING: ReadonlySet<DecisionReason> = new Set(["warming up", "cooling down"]);

function hold(pool: TargetView, reason: DecisionReason, detail: string, evaluated = true): Verdict {
  return { direction: "none", currentSize: pool.size, targetSize: pool.size, reason, detail, evaluated };
}

/**
 * The highest CPU these signals reported since our last change to the pool. A value from before it
 * describes the old size; re-applying it every tick would compound (1 → 2 → 4 → 8 on one reading).
 */
function reportedCpu(signals: readonly AssertedSignal[], pool: TargetView): { cpu?: number; stale: boolean } {
  const withValue = signals.filter((s) => s.value !== undefined);
  const fresh = withValue.filter((s) => pool.lastChangeAt === undefined || (s.valueAt ?? Number.NEGATIVE_INFINITY) > pool.lastChangeAt);
  if (fresh.length === 0) return { stale: withValue.length > 0 };
  return { cpu: Math.max(...fresh.map((s) => s.value!)), stale: false };
}

/**
 * Members whose CPU the alert's average covers: the serving ones (as HPA counts ready pods), or the
 * size while members are not listed.
 */
function servingCount(pool: TargetView): number {
  if (pool.members.length === 0) return pool.size;
  return pool.members.filter((m) => m.serving).length;
}

/** A bare /up or /down asks for one step whatever the alerts last measured. */
function hasPulse(signals: readonly AssertedSignal[]): boolean {
  return signals.some((s) => s.kind === "pulse");
}

function newestMemberAt(pool: TargetView): number | undefined {
  const times = pool.members.filter((m) => Number.isFinite(m.createdAt)).map((m) => m.createdAt);
  return times.length > 0 ? Math.max(...times) : undefined;
}

function pickVictims(pool: TargetView, count: number, options: PolicyOptions): string[] | undefined {
  if (options.victim === "any" || count <= 0) return undefined;
  const candidates = pool.members;
  if (candidates.length < count) return undefined; // members not listed yet: let the target choose
  const sorted = [...candidates].sort((a, b) =>
    options.victim === "newest"
      ? b.createdAt - a.createdAt || a.id.localeCompare(b.id)
      : a.createdAt - b.createdAt || a.id.localeCompare(b.id),
  );
  return sorted.slice(0, count).map((m) => m.id);
}

function shrink(pool: TargetView, target: number, reason: DecisionReason, detail: string, options: PolicyOptions): Verdict {
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

function grow(pool: TargetView, target: number, reason: DecisionReason, detail: string): Verdict {
  return { direction: "up", currentSize: pool.size, targetSize: target, reason, detail, evaluated: true };
}

function secondsLeft(ms: number): string {
  return `${Math.ceil(ms / 1000)} s left`;
}

/**
 * Proportional mode: the members that would bring the serving ones' average CPU to `target` (TARGET_CPU
 * up, SCALE_DOWN_TARGET_CPU down), with the numbers behind it for the detail line.
 */
function proportionalTarget(pool: TargetView, cpu: number, target: number): { serving: number; desired: number; basis: string } {
  const serving = servingCount(pool);
  const desired = Math.ceil((serving * cpu) / target);
  return { serving, desired, basis: `cpu ${cpu} % on ${serving} serving at target ${target} % wants ${desired}` };
}

/** Proportional mode waits for a fresh value rather than re-apply one measured before our last change (a pulse still steps). */
function staleHold(
  pool: TargetView,
  direction: "up" | "down",
  asserted: readonly AssertedSignal[],
  stale: boolean,
  options: PolicyOptions,
): Verdict | undefined {
  if (options.mode !== "proportional" || !stale || hasPulse(asserted)) return undefined;
  return hold(pool, "stale value", `the ${direction} alert's last value predates our last change; waiting for a fresh notification`);
}

function decideUp(pool: TargetView, up: readonly AssertedSignal[], reason: DecisionReason, options: PolicyOptions, now: number): Verdict {
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
  const { serving, desired, basis } = proportionalTarget(pool, cpu, options.targetCpu);
  // The high average is over the serving members only; members still booting will absorb it.
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

function decideDown(pool: TargetView, down: readonly AssertedSignal[], options: PolicyOptions, now: number): Verdict {
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
    const { desired, basis } = proportionalTarget(pool, cpu, options.scaleDownTargetCpu);
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

function judge(pool: TargetView, signals: SignalState, options: PolicyOptions, now: number): Verdict {
  if (pool.busy !== undefined) return hold(pool, "target busy", `target busy: ${pool.busy}; waiting for it to settle`, false);

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

export function decide(pool: TargetView, signals: SignalState, options: PolicyOptions, now: number): Decision {
  const verdict = judge(pool, signals, options, now);
  const keepsPulses = !verdict.evaluated || WAITING.has(verdict.reason);
  return { ...verdict, consumes: keepsPulses ? [] : [...pulseIdsOf(signals)] };
}
