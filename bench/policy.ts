/**
 * Policy benchmark: replays synthetic load shapes through the scaler's own `decide` (nothing else
 * decides) with a simple cluster model, and reports elasticity metrics in the spirit of SPEC RG's
 * (under/over-provisioning accuracy and timeshare, adaptations, cost). Deterministic, no I/O.
 *
 * Run: npx tsx bench/policy.ts
 */
import { decide } from "../services/scaler/policy/decide.js";
import { COURSE_POLICY, type PolicyOptions } from "../services/scaler/policy/options.js";
import type { TargetMember } from "../services/scaler/target.js";
import type { AssertedSignal, SignalState } from "../services/scaler/signalStore.js";

export interface SimulationSettings {
  tickSeconds: number;
  /** A new member serves (and counts in the CPU average) this long after creation. */
  bootSeconds: number;
  /** The alert rules: average CPU above `upCpu` → up alert, below `downCpu` → down alert. */
  upCpu: number;
  downCpu: number;
  /** Minutes a condition must hold before its alert fires (the rule's pending period). */
  pendingMinutes: number;
  /** Members at start. */
  initialSize: number;
}

export const DEFAULT_SIMULATION: SimulationSettings = {
  tickSeconds: 60,
  bootSeconds: 120,
  upCpu: 80,
  downCpu: 20,
  pendingMinutes: 1,
  initialSize: 1,
};

export interface SimulationResult {
  /** Per minute: demand (members' worth of full CPU), pool size, serving members, average CPU. */
  minutes: Array<{ demand: number; size: number; ready: number; cpu: number }>;
  metrics: ElasticityMetrics;
}

export interface ElasticityMetrics {
  /** Share of minutes with fewer serving members than needed to stay under the up threshold (%). */
  underTimeshare: number;
  /** Share of minutes with more members than needed (%). */
  overTimeshare: number;
  /** Mean relative shortage / excess of members, over all minutes (%). */
  underAccuracy: number;
  overAccuracy: number;
  /** Number of scale operations. */
  adaptations: number;
  /** Member-minutes paid for. */
  memberMinutes: number;
  maxSize: number;
}

/** Members needed so that the average CPU stays at or below the up threshold. */
function required(demand: number, upCpu: number): number {
  return Math.max(1, Math.ceil((demand * 100) / upCpu - 1e-9));
}

export function simulate(
  trace: readonly number[],
  options: PolicyOptions,
  settings: SimulationSettings = DEFAULT_SIMULATION,
): SimulationResult {
  const minuteMs = 60_000;
  let members: TargetMember[] = Array.from({ length: settings.initialSize }, (_, i) => ({
    id: `init-${i}`,
    createdAt: -3_600_000,
    serving: true,
  }));
  let nextId = 0;
  let lastChangeAt: number | undefined;
  let upFor = 0;
  let downFor = 0;
  let adaptations = 0;
  const minutes: SimulationResult["minutes"] = [];
  const ticksPerMinute = 60 / settings.tickSeconds;
  for (let minute = 0; minute < trace.length; minute += 1) {
    const demand = trace[minute]!;
    const now = minute * minuteMs;
    members = members.map((m) => ({ ...m, serving: now - m.createdAt >= settings.bootSeconds * 1000 }));
    const ready = members.filter((m) => m.serving).length;
    const cpu = Math.min(100, (demand * 100) / Math.max(ready, 1));
    minutes.push({ demand, size: members.length, ready, cpu });
    upFor = cpu > settings.upCpu ? upFor + 1 : 0;
    downFor = cpu < settings.downCpu ? downFor + 1 : 0;
    if (minute % Math.max(1, Math.round(1 / ticksPerMinute)) !== 0) continue;
    const signal = (direction: "up" | "down"): AssertedSignal => ({
      id: minute,
      direction,
      source: "grafana",
      kind: "alert",
      key: direction,
      since: now,
      lastSeen: now,
      value: cpu,
      valueAt: now,
    });
    const signals: SignalState = {
      up: upFor >= settings.pendingMinutes ? [signal("up")] : [],
      down: downFor >= settings.pendingMinutes ? [signal("down")] : [],
    };
    const decision = decide(
      { size: members.length, members, ...(lastChangeAt !== undefined ? { lastChangeAt } : {}) },
      signals,
      options,
      now,
    );
    if (decision.direction === "up") {
      for (let i = members.length; i < decision.targetSize; i += 1) members.push({ id: `m-${nextId++}`, createdAt: now, serving: false });
    } else if (decision.direction === "down") {
      const victims = new Set(decision.victims ?? []);
      if (victims.size === 0) {
        // Without a choice the pool removes its oldest members.
        members = [...members].sort((a, b) => a.createdAt - b.createdAt).slice(members.length - decision.targetSize);
      } else {
        members = members.filter((m) => !victims.has(m.id));
      }
    }
    if (decision.direction !== "none") {
      adaptations += 1;
      lastChangeAt = now;
    }
  }
  return { minutes, metrics: measure(minutes, settings.upCpu, adaptations) };
}

function measure(minutes: SimulationResult["minutes"], upCpu: number, adaptations: number): ElasticityMetrics {
  const n = Math.max(1, minutes.length);
  let under = 0;
  let over = 0;
  let underAcc = 0;
  let overAcc = 0;
  for (const m of minutes) {
    const need = required(m.demand, upCpu);
    if (m.ready < need) {
      under += 1;
      underAcc += (need - m.ready) / need;
    }
    if (m.size > need) {
      over += 1;
      overAcc += (m.size - need) / need;
    }
  }
  return {
    underTimeshare: (100 * under) / n,
    overTimeshare: (100 * over) / n,
    underAccuracy: (100 * underAcc) / n,
    overAccuracy: (100 * overAcc) / n,
    adaptations,
    memberMinutes: minutes.reduce((sum, m) => sum + m.size, 0),
    maxSize: Math.max(...minutes.map((m) => m.size)),
  };
}

/** Synthetic shapes (demand in members' worth of full CPU, one value per minute). */
export const TRACES: Record<string, number[]> = {
  step: [...Array(20).fill(0.3), ...Array(60).fill(4.5), ...Array(60).fill(0.3)],
  ramp: Array.from({ length: 150 }, (_, i) => 0.3 + (i < 75 ? (6 * i) / 75 : (6 * (150 - i)) / 75)),
  spike: [...Array(30).fill(0.5), ...Array(10).fill(7), ...Array(60).fill(0.5)],
  sine: Array.from({ length: 240 }, (_, i) => 2.5 + 2 * Math.sin((2 * Math.PI * i) / 120)),
};

const COURSE: PolicyOptions = COURSE_POLICY;

export const CONFIGURATIONS: Record<string, PolicyOptions> = {
  "course (step ±1)": COURSE,
  "step + warm-up 180 s + cooldown 300 s": { ...COURSE, scaleUpWarmupMs: 180_000, scaleDownCooldownMs: 300_000 },
  "proportional (target 50 %, max step 3)": { ...COURSE, mode: "proportional" },
  "proportional + warm-up + cooldown": { ...COURSE, mode: "proportional", scaleUpWarmupMs: 180_000, scaleDownCooldownMs: 300_000 },
};

export function runBenchmark(): string {
  const rows = [
    "| trace | configuration | under τ % | under θ % | over τ % | over θ % | adaptations | member-min | max size |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [traceName, trace] of Object.entries(TRACES)) {
    for (const [configName, options] of Object.entries(CONFIGURATIONS)) {
      const m = simulate(trace, options).metrics;
      rows.push(
        `| ${traceName} | ${configName} | ${m.underTimeshare.toFixed(1)} | ${m.underAccuracy.toFixed(1)} | ${m.overTimeshare.toFixed(1)} | ${m.overAccuracy.toFixed(1)} | ${m.adaptations} | ${m.memberMinutes} | ${m.maxSize} |`,
      );
    }
  }
  return rows.join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.stdout.write(`${runBenchmark()}\n`);
}
