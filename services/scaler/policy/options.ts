/**
 * The policy's settings and the course defaults. No environment reader and no target type here: the
 * config reader, the benchmark and the tests all build these the same way.
 */
export type ScalingMode = "step" | "proportional";
/** Who leaves on a scale-in: whoever the target picks (`any`), or the newest / oldest member. */
export type VictimChoice = "any" | "newest" | "oldest";

export interface PolicyOptions {
  minSize: number;
  maxSize: number;
  mode: ScalingMode;
  /**
   * Proportional mode, scaling up: the CPU (percent) a scale-up sizes for, `ceil(serving × cpu / targetCpu)`.
   * A saturated member reads 100 % however far over capacity it is, so a low value asks for more at once.
   */
  targetCpu: number;
  /** Proportional mode, scaling in: the CPU (percent) the remaining members should reach. */
  scaleDownTargetCpu: number;
  /** Proportional mode: most members added or removed in one tick. */
  maxStep: number;
  /** No further scale-up while the newest member is younger than this (ms). */
  scaleUpWarmupMs: number;
  /** No scale-down while the newest member, or our own last change, is younger than this (ms). */
  scaleDownCooldownMs: number;
  /** Skip or shrink a scale-in whose projected CPU would cross the scale-up threshold. */
  flapGuard: boolean;
  /** CPU (percent) above which the alert rules fire "up"; the flap guard projects against it. */
  scaleUpCpu: number;
  victim: VictimChoice;
}

/** Exactly the course assignment: ±1 per tick within [1, 10]; the benchmark's baseline. */
export const COURSE_POLICY: Readonly<PolicyOptions> = Object.freeze({
  minSize: 1,
  maxSize: 10,
  mode: "step",
  targetCpu: 50,
  scaleDownTargetCpu: 60,
  maxStep: 3,
  scaleUpWarmupMs: 0,
  scaleDownCooldownMs: 0,
  flapGuard: true,
  scaleUpCpu: 80,
  victim: "any",
});

/**
 * The defaults, chosen by `npm run bench` on the deployed alert chain (README, "Benchmarks"): on every
 * workload less overload and fewer actions than the course (about 0.6 × its overload after a step or a
 * spike), at a worst-case cost over the oracle no higher than the course's. Proportional sizing at a low scale-up target (a saturated member asks for five times
 * the serving members), a scale-in towards 60 %, no second scale-up for 240 s (boot 120 s + the rule's
 * 60 s rate window + 60 s of evaluation, so the next value has seen the new members), a 120 s cooldown.
 * A bare /up or /down (no CPU value) still moves one member, as the course asks.
 */
export const TUNED_POLICY: Readonly<PolicyOptions> = Object.freeze({
  ...COURSE_POLICY,
  mode: "proportional",
  targetCpu: 20,
  scaleDownTargetCpu: 60,
  maxStep: 10,
  scaleUpWarmupMs: 240_000,
  scaleDownCooldownMs: 120_000,
});

/** SCALING_PRESET: where the other policy settings take their defaults from. */
export const POLICY_PRESETS = { tuned: TUNED_POLICY, course: COURSE_POLICY } as const;
export type PolicyPreset = keyof typeof POLICY_PRESETS;
