/**
 * The benchmark's load shapes: demand in members' worth of CPU (1.0 = one member fully busy), one value
 * per minute. Synthetic shapes (step, ramp, spike, sine with seeded noise) beside one shaped like a real
 * public trace (bench/data/worldcup98-matchday.ts). Nothing is read from disk or the network.
 */
import { MINUTES_PER_TRACE_HOUR, PEAK_DEMAND, WORLDCUP98_MATCHDAY_HOURLY } from "./data/worldcup98-matchday.js";

export const WORKLOAD_NAMES = ["step", "ramp", "spike", "sine", "trace"] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export interface Workload {
  name: WorkloadName;
  description: string;
  /** Demand at minute i (members' worth of CPU). */
  perMinute: readonly number[];
  /** True: each minute's value holds for the whole minute (a true step); false: linear between minutes. */
  hold: boolean;
  /** When the load steps up (s), for reactionSeconds. */
  stepAtSeconds?: number;
}

/** A small deterministic generator (mulberry32), so the noisy shapes are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fill = (minutes: number, value: number): number[] => Array.from({ length: minutes }, () => value);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function sine(): number[] {
  const random = seededRandom(20260101);
  // Two "days" of 120 min each, from the trough: 0.6 … 6.6 members' worth, ±0.4 uniform noise.
  return Array.from({ length: 241 }, (_, i) => round3(Math.max(0.1, 3.6 - 3 * Math.cos((2 * Math.PI * i) / 120) + (random() - 0.5) * 0.8)));
}

function trace(): number[] {
  const random = seededRandom(19980610);
  const hourly = WORLDCUP98_MATCHDAY_HOURLY;
  const total = hourly.length * MINUTES_PER_TRACE_HOUR;
  return Array.from({ length: total + 1 }, (_, minute) => {
    // Hour values sit at the middle of their hour; between two middles, linear; the day wraps around.
    const hour = minute / MINUTES_PER_TRACE_HOUR - 0.5;
    const i = Math.floor(hour);
    const f = hour - i;
    const at = (k: number): number => hourly[((k % hourly.length) + hourly.length) % hourly.length]!;
    const relative = at(i) * (1 - f) + at(i + 1) * f;
    return round3(PEAK_DEMAND * relative * (1 + (random() - 0.5) * 0.06));
  });
}

/** Builds the workloads (the noisy ones from their seeds): every build is the same. */
export function buildWorkloads(): Record<WorkloadName, Workload> {
  return {
    step: {
      name: "step",
      description: "0.5 members' worth for 20 min, 3.8 (needs 5 members, at 76 %) for 60 min, 0.5 for 40 min",
      perMinute: [...fill(20, 0.5), ...fill(60, 3.8), ...fill(40, 0.5)],
      hold: true,
      stepAtSeconds: 20 * 60,
    },
    ramp: {
      name: "ramp",
      description: "0.4 → 7.0 over 60 min, 15 min at 7.0, back to 0.4 over 60 min, 15 min at 0.4",
      perMinute: [
        ...Array.from({ length: 60 }, (_, i) => round3(0.4 + (6.6 * i) / 60)),
        ...fill(15, 7),
        ...Array.from({ length: 60 }, (_, i) => round3(7 - (6.6 * i) / 60)),
        ...fill(16, 0.4),
      ],
      hold: false,
    },
    spike: {
      name: "spike",
      description: "1.0 for 30 min, a 10-minute spike to 6.0 (needs 8 members), 1.0 for 50 min",
      perMinute: [...fill(30, 1), ...fill(10, 6), ...fill(50, 1)],
      hold: true,
    },
    sine: {
      name: "sine",
      description: "two 120-minute 'days' of 0.6 … 6.6 members' worth, with ±0.4 seeded noise per minute",
      perMinute: sine(),
      hold: false,
    },
    trace: {
      name: "trace",
      description: "a World Cup 1998 match day (hand-derived shape, 24 h → 144 min, peak needs 9 members)",
      perMinute: trace(),
      hold: false,
    },
  };
}

export const WORKLOADS: Readonly<Record<WorkloadName, Workload>> = buildWorkloads();

/** Demand at second `s` of a workload. */
export function demandAt(workload: Workload, s: number): number {
  const points = workload.perMinute;
  const i = Math.min(Math.floor(s / 60), points.length - 1);
  if (workload.hold || i >= points.length - 1) return points[i]!;
  const f = s / 60 - i;
  return points[i]! * (1 - f) + points[i + 1]! * f;
}

/** How long a workload runs (s): one minute per value. */
export function durationSeconds(workload: Workload): number {
  return workload.perMinute.length * 60;
}
