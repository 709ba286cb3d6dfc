/**
 * Load profiles, as pure functions: a profile becomes stages (how many connections, from when to when), and
 * stages become launches (start k more connections at t).
 *
 * The runner never stops a connection before the end: every profile only grows, and each launch is an
 * autocannon run that lasts until the end of the whole run. Running the stages one after another instead
 * would cut every request in flight at each stage boundary, and a /load that takes 10 s (or 10 s × n on a
 * shared member) would then rarely be answered at all.
 */
import type { Profile } from "./args.js";

export interface Stage {
  /** From the run's start, in ms. */
  startMs: number;
  endMs: number;
  /** Connections open during the stage. */
  concurrency: number;
}

export interface Launch {
  atMs: number;
  /** Connections to add then. */
  connections: number;
}

/** The concurrency levels of a profile, one per equal-length stage. */
export function profileLevels(profile: Profile, concurrency: number): number[] {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  switch (profile) {
    case "constant":
      return [concurrency];
    case "ramp":
      // 1, 2, …, N: one connection more per stage.
      return Array.from({ length: concurrency }, (_, i) => i + 1);
    case "step": {
      // 1, 2, 4, … doubling while below N, then N itself.
      const levels: number[] = [];
      for (let level = 1; level < concurrency; level *= 2) levels.push(level);
      levels.push(concurrency);
      return levels;
    }
  }
}

/** Pure: the stages of a profile over `durationSeconds`, equal in length (to the ms), covering it exactly. */
export function planStages(profile: Profile, concurrency: number, durationSeconds: number): Stage[] {
  const totalMs = Math.round(durationSeconds * 1000);
  if (!(totalMs > 0)) throw new RangeError(`duration must be positive, got ${durationSeconds} s`);
  const levels = profileLevels(profile, concurrency);
  const boundary = (i: number): number => Math.round((i * totalMs) / levels.length);
  return levels
    .map((level, i) => ({ startMs: boundary(i), endMs: boundary(i + 1), concurrency: level }))
    .filter((s) => s.endMs > s.startMs);
}

/** Pure: the connections to start at each stage's beginning; stages must never shrink. */
export function planLaunches(stages: readonly Stage[]): Launch[] {
  const launches: Launch[] = [];
  let open = 0;
  for (const stage of stages) {
    if (stage.concurrency < open)
      throw new RangeError(`stage at ${stage.startMs} ms shrinks from ${open} to ${stage.concurrency} connections`);
    if (stage.concurrency > open) launches.push({ atMs: stage.startMs, connections: stage.concurrency - open });
    open = stage.concurrency;
  }
  return launches;
}

/** Pure: connections open at `elapsedMs` into the run. */
export function concurrencyAt(stages: readonly Stage[], elapsedMs: number): number {
  let level = 0;
  for (const stage of stages) if (stage.startMs <= elapsedMs) level = stage.concurrency;
  return level;
}
