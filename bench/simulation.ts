/**
 * A trace-driven simulation of the whole scaling loop, one second at a time, deterministic:
 *
 *   demand → serving members' CPU (saturates at 100 %) → node-exporter counters scraped every 15 s →
 *   rate() over 60 s averaged over members (the alert spec's query) → rule evaluation every 60 s with a
 *   60 s pending period → notification policy (group_wait, group_interval, repeat_interval, resolved at
 *   the next flush) → the scaler's real SignalStore → the scaler's real decide() every 60 s tick →
 *   the pool operation (busy for a while) → members booting before they serve.
 *
 * The HPA and oracle policies share the plant (members, boot, CPU, scrapes) but not the alert chain: the
 * HPA algorithm pulls the same CPU query directly every 15 s, the oracle knows the future demand.
 *
 * Within one second the order is: operations complete and members finish booting → scrape → rule
 * evaluation → notification flush → controller (scaler tick or HPA sync) → the second's load is served.
 */
import { decide } from "../services/scaler/policy/decide.js";
import type { PolicyOptions } from "../services/scaler/policy/options.js";
import { SignalStore } from "../services/scaler/signalStore.js";
import type { Direction } from "../services/scaler/signals.js";
import type { TargetMember, TargetView } from "../services/scaler/target.js";
import { demandAt, durationSeconds, type Workload } from "./workloads.js";

export interface HpaSettings {
  /** The HPA's target utilisation (%). */
  targetCpu: number;
  /** --horizontal-pod-autoscaler-tolerance (default 0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-sync-period (default 15 s). */
  syncSeconds: number;
  /** behavior.scaleDown.stabilizationWindowSeconds (default 300 s). */
  downscaleStabilizationSeconds: number;
}

export interface SimulationSettings {
  /** A new member serves (carries load, is scraped, counts as serving) this long after it is requested. */
  bootSeconds: number;
  /** Members boot in bootSeconds + a deterministic share of this (0 = all the same). */
  bootSpreadSeconds: number;
  /** The pool is busy this long after each change (the scaler skips busy ticks). */
  operationSeconds: number;
  /** Prometheus scrape interval (deployed: 15 s). */
  scrapeIntervalSeconds: number;
  /** The rate() window of the CPU query (deployed: 60 s). */
  rateWindowSeconds: number;
  /** The rule group's evaluation interval (deployed: 60 s). */
  evaluationIntervalSeconds: number;
  /** When in the interval the group is evaluated (s after each multiple). */
  evaluationOffsetSeconds: number;
  /** The rules' pending period (`for`, deployed: 60 s). */
  pendingSeconds: number;
  /** The rules' thresholds (%): up alert above, down alert below. */
  upCpu: number;
  downCpu: number;
  /** Notification policy (deployed: 5 s, 60 s, 60 s). */
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
  /** Send a resolved notification (at the group's next flush) when an alert clears (deployed: true). */
  sendResolved: boolean;
  /** The scaler's tick (deployed: 60 s) and when in it the scaler ticks. */
  tickSeconds: number;
  tickOffsetSeconds: number;
  /** SIGNAL_TTL_SECONDS (0 = until resolved). */
  signalTtlSeconds: number;
  hpa: HpaSettings;
}

/** A member of the simulated pool. */
interface Member {
  id: string;
  createdAt: number;
  /** When it starts serving (s). */
  servingAt: number;
  /** When it stopped serving (picked to leave, s). */
  leftAt?: number;
  /** When it stopped being paid for (the removal's operation ended, s). */
  removedAt?: number;
}

/** One second of a run, for the metrics and the chart. */
export interface Second {
  demand: number;
  /** Members paid for (requested and not yet removed). */
  paid: number;
  serving: number;
  /** The serving members' true average CPU (%), 100 when nothing serves. */
  cpu: number;
}

export interface ScalingAction {
  at: number;
  from: number;
  to: number;
  reason: string;
}

export interface RunResult {
  seconds: Second[];
  actions: ScalingAction[];
  /** Notifications the scaler received: [time, direction, status]. */
  notifications: Array<[number, Direction, "firing" | "resolved"]>;
}

/** A controller's view of the plant at one of its ticks. */
export interface PlantView {
  now: number;
  size: number;
  busy: boolean;
  members: readonly Member[];
  /** Per-member CPU (%) as the rate() query sees it now; members with under two samples are absent. */
  memberCpu: ReadonlyMap<string, number>;
}

/** Members needed for the demand to keep the serving members' average CPU at or under `upCpu`. */
export function requiredMembers(demand: number, upCpu: number, minSize: number): number {
  return Math.max(minSize, Math.ceil((demand * 100) / upCpu - 1e-9));
}

/** Seconds from the deployed values: a duration string of Grafana's ("5s", "1m", "1m30s"). */
export function parseDurationSeconds(text: string): number {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  const re = /(\d+)([smhd])/g;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed !== text.length || text.length === 0) throw new RangeError(`not a duration: "${text}"`);
  return total;
}

class Plant {
  readonly members: Member[] = [];
  size: number;
  busyUntil = Number.NEGATIVE_INFINITY;
  lastChangeAt?: number;
  private nextId = 0;
  /** Per-serving-member busy CPU-seconds since the start (every serving member carries the same share). */
  private busySeconds = 0;
  /** The counter at every scrape, by scrape index. */
  private readonly scrapes: number[] = [];
  readonly actions: ScalingAction[] = [];

  constructor(
    private readonly settings: SimulationSettings,
    initialSize: number,
  ) {
    for (let i = 0; i < initialSize; i += 1) this.members.push({ id: `m${this.nextId++}`, createdAt: -3600, servingAt: -3600 });
    this.size = initialSize;
  }

  private bootFor(index: number): number {
    const { bootSeconds, bootSpreadSeconds } = this.settings;
    // Golden-ratio sequence: spread evenly over [0, spread), the same on every run.
    return bootSeconds + Math.floor(bootSpreadSeconds * ((index * 0.6180339887498949) % 1));
  }

  serving(now: number): Member[] {
    return this.members.filter((m) => m.servingAt <= now && m.leftAt === undefined);
  }

  /** Members that exist and are not leaving (what the target lists). */
  present(): Member[] {
    return this.members.filter((m) => m.leftAt === undefined);
  }

  paid(now: number): number {
    return this.members.filter((m) => m.createdAt <= now && (m.removedAt === undefined || m.removedAt > now)).length;
  }

  busy(now: number): boolean {
    return now < this.busyUntil;
  }

  /** Records the busy counter at a scrape. */
  scrape(now: number): void {
    const interval = this.settings.scrapeIntervalSeconds;
    if (now % interval === 0) this.scrapes[now / interval] = this.busySeconds;
  }

  /**
   * rate() over the window for each member with at least two samples in (now − window, now]. Every
   * member's counter grows at the same rate while it serves, so a member's rate is the pool counter's
   * growth between its first and last sample. A member that left keeps its old samples in the window
   * (Prometheus still returns the series until they age out of the range).
   */
  memberCpu(now: number): Map<string, number> {
    const { scrapeIntervalSeconds: step, rateWindowSeconds: window } = this.settings;
    const result = new Map<string, number>();
    for (const m of this.members) {
      const from = Math.max(now - window + 1, m.servingAt);
      const to = Math.min(now, (m.leftAt ?? Number.POSITIVE_INFINITY) - 1);
      const first = Math.ceil(Math.max(from, 0) / step);
      const last = Math.floor(to / step);
      if (last <= first) continue;
      const a = this.scrapes[first];
      const b = this.scrapes[last];
      if (a === undefined || b === undefined) continue;
      result.set(m.id, (100 * (b - a)) / ((last - first) * step));
    }
    return result;
  }

  /** Ends operations and boots; called at the start of each second. */
  settle(now: number): void {
    for (const m of this.members) if (m.leftAt !== undefined && m.removedAt === undefined && now >= this.busyUntil) m.removedAt = now;
  }

  /** Carries a second of load. */
  carry(now: number, demand: number): Second {
    const serving = this.serving(now).length;
    const share = serving > 0 ? Math.min(1, demand / serving) : 1;
    this.busySeconds += share;
    return { demand, paid: this.paid(now), serving, cpu: 100 * share };
  }

  resize(now: number, target: number, reason: string, victims?: readonly string[]): void {
    const from = this.size;
    if (target === from) return;
    if (target > from) {
      for (let i = from; i < target; i += 1) {
        const index = this.nextId++;
        this.members.push({ id: `m${index}`, createdAt: now, servingAt: now + this.bootFor(index) });
      }
    } else {
      // The scaler's choice, or else the pool's: modelled as the newest first (booting ones go first).
      const chosen = new Set(victims ?? []);
      const present = this.present();
      const ordered = [
        ...present.filter((m) => chosen.has(m.id)),
        ...present.filter((m) => !chosen.has(m.id)).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id)),
      ];
      for (const m of ordered.slice(0, from - target)) m.leftAt = now;
    }
    this.size = target;
    this.busyUntil = now + this.settings.operationSeconds;
    this.lastChangeAt = now;
    this.actions.push({ at: now, from, to: target, reason });
    if (this.settings.operationSeconds === 0) this.settle(now);
  }

  view(now: number): PlantView {
    return { now, size: this.size, busy: this.busy(now), members: this.present(), memberCpu: this.memberCpu(now) };
  }
}

/** A controller acts on the plant at its own times. */
export interface Controller {
  /** True when it acts at second `now`. */
  due(now: number): boolean;
  act(view: PlantView): { target: number; reason: string; victims?: readonly string[] } | undefined;
}

/** The average of the members' CPU as the alert query computes it; undefined with no series. */
export function queryCpu(memberCpu: ReadonlyMap<string, number>): number | undefined {
  if (memberCpu.size === 0) return undefined;
  let sum = 0;
  for (const v of memberCpu.values()) sum += v;
  return sum / memberCpu.size;
}

// --------------------------------------------------------------------------------------------------
// The alert chain: rule state, notification policy, the scaler's store and its decide().

type RuleState = { state: "normal" } | { state: "pending"; since: number } | { state: "firing"; startsAt: number; value: number };

interface Group {
  alert: { status: "firing" | "resolved"; startsAt: number; value: number };
  nextFlush: number;
  lastSent?: { status: "firing" | "resolved"; startsAt: number; at: number };
}

class AlertChain {
  private readonly rules: Record<Direction, RuleState> = { up: { state: "normal" }, down: { state: "normal" } };
  private readonly groups = new Map<Direction, Group>();
  readonly notifications: RunResult["notifications"] = [];

  constructor(
    private readonly settings: SimulationSettings,
    private readonly store: SignalStore,
  ) {}

  /** One evaluation of the rule group (the caller calls it every evaluation interval). */
  evaluate(now: number, cpu: number | undefined): void {
    const { upCpu, downCpu, pendingSeconds } = this.settings;
    for (const direction of ["up", "down"] as const) {
      // No series (no serving member) is "no data": neither condition holds.
      const holds = cpu !== undefined && (direction === "up" ? cpu > upCpu : cpu < downCpu);
      const rule = this.rules[direction];
      if (!holds) {
        if (rule.state === "firing") this.resolve(direction, rule.startsAt);
        this.rules[direction] = { state: "normal" };
        continue;
      }
      if (rule.state === "firing") {
        rule.value = cpu;
        const group = this.groups.get(direction);
        if (group !== undefined && group.alert.startsAt === rule.startsAt) group.alert.value = cpu;
        continue;
      }
      const since = rule.state === "pending" ? rule.since : now;
      if (now - since >= pendingSeconds) {
        this.rules[direction] = { state: "firing", startsAt: now, value: cpu };
        this.fire(direction, now, cpu);
      } else {
        this.rules[direction] = { state: "pending", since };
      }
    }
  }

  private fire(direction: Direction, now: number, value: number): void {
    const group = this.groups.get(direction);
    const alert = { status: "firing" as const, startsAt: now, value };
    if (group === undefined) this.groups.set(direction, { alert, nextFlush: now + this.settings.groupWaitSeconds });
    else group.alert = alert;
  }

  private resolve(direction: Direction, startsAt: number): void {
    const group = this.groups.get(direction);
    if (group !== undefined && group.alert.startsAt === startsAt) group.alert.status = "resolved";
  }

  /** Flushes the groups that are due: the Alertmanager dispatcher, as Grafana runs it. */
  flush(now: number): void {
    const { repeatIntervalSeconds, groupIntervalSeconds, sendResolved } = this.settings;
    for (const [direction, group] of [...this.groups]) {
      if (now < group.nextFlush) continue;
      group.nextFlush = now + groupIntervalSeconds;
      const { alert, lastSent } = group;
      if (alert.status === "firing") {
        const changed = lastSent === undefined || lastSent.status !== "firing" || lastSent.startsAt !== alert.startsAt;
        if (changed || now - lastSent.at >= repeatIntervalSeconds) this.send(direction, group, now);
        continue;
      }
      // Resolved: notified once if its firing was notified; then the group is gone.
      if (sendResolved && lastSent !== undefined && lastSent.status === "firing" && lastSent.startsAt === alert.startsAt) {
        this.send(direction, group, now);
      }
      this.groups.delete(direction);
    }
  }

  private send(direction: Direction, group: Group, now: number): void {
    const { alert } = group;
    group.lastSent = { status: alert.status, startsAt: alert.startsAt, at: now };
    this.notifications.push([now, direction, alert.status]);
    this.store.record(
      [
        {
          direction,
          source: "grafana",
          key: direction === "up" ? "PoolCpuHigh" : "PoolCpuLow",
          status: alert.status,
          startsAt: new Date(alert.startsAt * 1000).toISOString(),
          ...(alert.status === "firing" ? { value: Math.round(alert.value * 100) / 100 } : {}),
        },
      ],
      now * 1000,
    );
  }
}

/** The scaler: every tick, the real decide() on the target as observed and the store's signals. */
class ScalerController implements Controller {
  constructor(
    private readonly settings: SimulationSettings,
    private readonly policy: PolicyOptions,
    private readonly store: SignalStore,
    private readonly plant: Plant,
  ) {}

  due(now: number): boolean {
    return (now - this.settings.tickOffsetSeconds) % this.settings.tickSeconds === 0;
  }

  act(view: PlantView): { target: number; reason: string; victims?: readonly string[] } | undefined {
    const ms = view.now * 1000;
    const members: TargetMember[] = view.members.map((m) => ({
      id: m.id,
      createdAt: m.createdAt * 1000,
      serving: m.servingAt <= view.now,
    }));
    const target: TargetView = {
      size: view.size,
      ...(view.busy ? { busy: "operation pending" } : {}),
      members,
      ...(this.plant.lastChangeAt !== undefined ? { lastChangeAt: this.plant.lastChangeAt * 1000 } : {}),
    };
    const decision = decide(target, this.store.snapshot(ms), this.policy, ms);
    // Pulses never occur here (only alerts), so there is nothing to consume.
    if (decision.direction === "none") return undefined;
    return {
      target: decision.targetSize,
      reason: decision.reason,
      ...(decision.victims !== undefined ? { victims: decision.victims } : {}),
    };
  }
}

/**
 * The Kubernetes HPA algorithm (replica_calculator.go, horizontal.go; defaults in the reference §1) on
 * the same CPU query, pulled directly every sync period:
 * - usage ratio = average CPU of the members with a metric ÷ target; within the tolerance → no change;
 * - desired = ceil(ratio × members with a metric) (ready pods only);
 * - on a scale-up, members still booting (not ready) and serving members without a metric yet count at
 *   0 %, and the ratio is recomputed; if that brings it within tolerance or flips it, no change;
 * - on a scale-down, serving members without a metric count at 100 % of the target;
 * - scale-down stabilisation: the highest recommendation of the last window (default 300 s);
 * - rate limits of the default behaviour: up by max(100 %, 4 members), down by 100 %, per 15 s;
 * - bounds [minSize, maxSize]. Like the scaler, it does not change a pool whose operation is pending.
 */
export class HpaController implements Controller {
  private readonly history: Array<{ at: number; replicas: number }> = [];

  constructor(
    private readonly hpa: HpaSettings,
    private readonly minSize: number,
    private readonly maxSize: number,
  ) {}

  due(now: number): boolean {
    return now % this.hpa.syncSeconds === 0;
  }

  /** The replica count the metric asks for, before stabilisation (replica_calculator's GetResourceReplicas). */
  recommend(view: PlantView): number {
    const { targetCpu, tolerance } = this.hpa;
    const current = view.size;
    const ready = view.members.filter((m) => m.servingAt <= view.now);
    const withMetric = ready.filter((m) => view.memberCpu.has(m.id));
    if (withMetric.length === 0) return current;
    const missing = ready.length - withMetric.length;
    const unready = view.members.length - ready.length;
    const sum = withMetric.reduce((acc, m) => acc + view.memberCpu.get(m.id)!, 0);
    const ratio = sum / withMetric.length / targetCpu;
    const rebalanceUnready = unready > 0 && ratio > 1;
    if (!rebalanceUnready && missing === 0) {
      if (Math.abs(1 - ratio) <= tolerance) return current;
      return Math.ceil(ratio * withMetric.length);
    }
    let total = sum;
    let count = withMetric.length;
    if (missing > 0) {
      if (ratio < 1) total += missing * targetCpu;
      count += missing;
    }
    if (rebalanceUnready) count += unready;
    const newRatio = total / count / targetCpu;
    if (Math.abs(1 - newRatio) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return current;
    const replicas = Math.ceil(newRatio * count);
    if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) return current;
    return replicas;
  }

  act(view: PlantView): { target: number; reason: string } | undefined {
    const current = view.size;
    const recommendation = this.recommend(view);
    this.history.push({ at: view.now, replicas: recommendation });
    const window = this.hpa.downscaleStabilizationSeconds;
    // The window's recommendations, this one included (a zero window keeps only this one).
    while (this.history.length > 0 && this.history[0]!.at < view.now - window) this.history.shift();
    // Scale-up window 0: the current recommendation; scale-down: the highest within the window.
    const downMax = Math.max(...this.history.map((h) => h.replicas));
    let desired = current;
    if (recommendation > desired) desired = recommendation;
    if (desired > downMax) desired = downMax;
    desired = Math.min(desired, Math.max(2 * current, current + 4));
    desired = Math.max(this.minSize, Math.min(this.maxSize, desired));
    if (view.busy || desired === current) return undefined;
    return { target: desired, reason: desired > current ? "hpa up" : "hpa down" };
  }
}

export type PolicySpec =
  | { kind: "scaler"; options: PolicyOptions; tickSeconds?: number; simulation?: Partial<SimulationSettings> }
  | { kind: "hpa"; hpa?: Partial<HpaSettings>; minSize?: number; maxSize?: number }
  | { kind: "oracle"; minSize?: number; maxSize?: number };

export interface RunOptions {
  /** Members at the start; default: what the first second's demand needs. */
  initialSize?: number;
}

function boundsOf(spec: PolicySpec): { minSize: number; maxSize: number } {
  if (spec.kind === "scaler") return { minSize: spec.options.minSize, maxSize: spec.options.maxSize };
  return { minSize: spec.minSize ?? 1, maxSize: spec.maxSize ?? 10 };
}

/** Runs one policy over one workload. */
export function simulate(workload: Workload, spec: PolicySpec, settings: SimulationSettings, run: RunOptions = {}): RunResult {
  const { minSize, maxSize } = boundsOf(spec);
  // A policy may come with its own alert chain (rule thresholds, pending, evaluation, notification timing).
  if (spec.kind === "scaler" && spec.simulation !== undefined) settings = { ...settings, ...spec.simulation };
  const duration = durationSeconds(workload);
  const initialSize = run.initialSize ?? Math.min(maxSize, requiredMembers(demandAt(workload, 0), settings.upCpu, minSize));
  if (spec.kind === "oracle") return oracle(workload, settings, minSize, maxSize, initialSize);

  const plant = new Plant(settings, initialSize);
  const tickSettings = spec.kind === "scaler" && spec.tickSeconds !== undefined ? { ...settings, tickSeconds: spec.tickSeconds } : settings;
  const store = new SignalStore(settings.signalTtlSeconds * 1000);
  const chain = spec.kind === "scaler" ? new AlertChain(settings, store) : undefined;
  const controller: Controller =
    spec.kind === "scaler"
      ? new ScalerController(tickSettings, spec.options, store, plant)
      : new HpaController({ ...settings.hpa, ...spec.hpa }, minSize, maxSize);
  const seconds: Second[] = [];
  for (let now = 0; now < duration; now += 1) {
    plant.settle(now);
    plant.scrape(now);
    if (chain !== undefined) {
      const evaluating = (now - settings.evaluationOffsetSeconds) % settings.evaluationIntervalSeconds === 0;
      if (evaluating) chain.evaluate(now, queryCpu(plant.memberCpu(now)));
      chain.flush(now);
    }
    if (controller.due(now)) {
      const action = controller.act(plant.view(now));
      // The controller sees whether the pool is busy and holds itself (decide() says "target busy").
      if (action !== undefined) plant.resize(now, action.target, action.reason, action.victims);
    }
    seconds.push(plant.carry(now, demandAt(workload, now)));
  }
  return { seconds, actions: plant.actions, notifications: chain?.notifications ?? [] };
}

/**
 * Perfect foresight: at every second the fewest members that keep every serving member at or under
 * the up threshold, each requested a boot time before it must serve, kept through a gap shorter than a
 * boot, removed the moment it is no longer needed, with no operation time. No policy that boots members
 * can serve the demand with fewer instance-minutes.
 */
function oracle(workload: Workload, settings: SimulationSettings, minSize: number, maxSize: number, initialSize: number): RunResult {
  const duration = durationSeconds(workload);
  const boot = settings.bootSeconds + settings.bootSpreadSeconds;
  const required = Array.from({ length: duration }, (_, s) =>
    Math.min(maxSize, requiredMembers(demandAt(workload, s), settings.upCpu, minSize)),
  );
  // Paid at t: the most members needed at any time in [t, t + boot] (a member needed later is booting).
  const paid = required.map((_, t) => {
    let most = required[t]!;
    for (let s = t + 1; s <= Math.min(duration - 1, t + boot); s += 1) most = Math.max(most, required[s]!);
    return t === 0 ? Math.max(most, initialSize) : most;
  });
  // Level k serves once it has been paid for a boot time (or since the start).
  const paidSince: Array<number | undefined> = [];
  const seconds: Second[] = [];
  const actions: ScalingAction[] = [];
  for (let t = 0; t < duration; t += 1) {
    const n = paid[t]!;
    if (t > 0 && n !== paid[t - 1]) actions.push({ at: t, from: paid[t - 1]!, to: n, reason: "oracle" });
    for (let k = 0; k < Math.max(n, paidSince.length); k += 1) {
      if (k >= n) paidSince[k] = undefined;
      // Whatever the first boot time needs is there, serving, at the start (as the others start settled).
      else if (paidSince[k] === undefined) paidSince[k] = t === 0 ? Number.NEGATIVE_INFINITY : t;
    }
    const serving = paidSince.slice(0, n).filter((since) => since !== undefined && t - since >= boot).length;
    const demand = demandAt(workload, t);
    const share = serving > 0 ? Math.min(1, demand / serving) : 1;
    seconds.push({ demand, paid: n, serving, cpu: 100 * share });
  }
  return { seconds, actions, notifications: [] };
}
