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
  /** Proportional mode: the CPU (percent) the serving members should settle at. */
  targetCpu: number;
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

/** The policy the defaults produce: exactly the course assignment (±1 per tick within [1, 10]). */
export const COURSE_POLICY: Readonly<PolicyOptions> = Object.freeze({
  minSize: 1,
  maxSize: 10,
  mode: "step",
  targetCpu: 50,
  maxStep: 3,
  scaleUpWarmupMs: 0,
  scaleDownCooldownMs: 0,
  flapGuard: true,
  scaleUpCpu: 80,
  victim: "any",
});
