/**
 * What the benchmark reports for one run. Demand d_t is the fewest members that keep the serving ones at
 * or under the up threshold; supply s_t is the members serving (carrying load) at t. The SPEC RG
 * elasticity metrics (Herbst et al., "Ready for Rain?", SPEC-RG-2016-01; TOMPECS 2018), in %, lower is
 * better, with Δt = 1 s and T the run's length:
 *   underAccuracy θ_U = (100/T) Σ (d_t − s_t)⁺ / d_t Δt      overAccuracy θ_O = (100/T) Σ (s_t − d_t)⁺ / d_t Δt
 *   underTimeshare τ_U = (100/T) Σ sgn((d_t − s_t)⁺) Δt      overTimeshare τ_O = (100/T) Σ sgn((s_t − d_t)⁺) Δt
 * Members still booting are paid (instanceMinutes) but supply nothing yet.
 */
import { requiredMembers, type RunResult } from "./simulation.js";

export interface Metrics {
  /** Minutes with the serving members' average CPU above the up threshold. */
  overloadMinutes: number;
  /** Instance-minutes paid: from the moment a member is requested until it is removed. */
  instanceMinutes: number;
  /** Scaling actions (changes of the pool's size). */
  adaptations: number;
  underTimeshare: number;
  overTimeshare: number;
  underAccuracy: number;
  overAccuracy: number;
  /** Step workload only: from the step until the average CPU is back at or under the threshold. */
  reactionSeconds?: number;
}

export const METRIC_KEYS = [
  "overloadMinutes",
  "instanceMinutes",
  "adaptations",
  "underTimeshare",
  "overTimeshare",
  "underAccuracy",
  "overAccuracy",
  "reactionSeconds",
] as const satisfies ReadonlyArray<keyof Metrics>;

const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export interface MeasureOptions {
  upCpu: number;
  minSize: number;
  maxSize: number;
  stepAtSeconds?: number;
}

export function measure(run: RunResult, options: MeasureOptions): Metrics {
  const { upCpu, minSize, maxSize } = options;
  const n = run.seconds.length;
  let overload = 0;
  let paid = 0;
  let under = 0;
  let over = 0;
  let underArea = 0;
  let overArea = 0;
  for (const s of run.seconds) {
    if (s.cpu > upCpu + 1e-9) overload += 1;
    paid += s.paid;
    const d = Math.min(maxSize, requiredMembers(s.demand, upCpu, minSize));
    if (s.serving < d) {
      under += 1;
      underArea += (d - s.serving) / d;
    } else if (s.serving > d) {
      over += 1;
      overArea += (s.serving - d) / d;
    }
  }
  const metrics: Metrics = {
    overloadMinutes: round(overload / 60),
    instanceMinutes: round(paid / 60),
    adaptations: run.actions.length,
    underTimeshare: round((100 * under) / n),
    overTimeshare: round((100 * over) / n),
    underAccuracy: round((100 * underArea) / n),
    overAccuracy: round((100 * overArea) / n),
  };
  if (options.stepAtSeconds !== undefined) metrics.reactionSeconds = reactionSeconds(run, options.stepAtSeconds, upCpu);
  return metrics;
}

/** Seconds from `at` until the CPU is at or under the threshold again (0 if it never went over; the rest of the run if it never came back). */
export function reactionSeconds(run: RunResult, at: number, upCpu: number): number {
  for (let t = at; t < run.seconds.length; t += 1) if (run.seconds[t]!.cpu <= upCpu + 1e-9) return t - at;
  return run.seconds.length - at;
}
