/**
 * Driving code that mixes real sockets with sinon fake timers: real I/O needs event-loop turns, timers
 * need fake time, so the two alternate until the awaited work is done.
 */
import type sinon from "sinon";

export interface DriveOptions {
  /** Fake time per tick (default 250 ms). */
  stepMs?: number;
  /** Real event-loop turns (setImmediate) between ticks (default 3). */
  turns?: number;
  /** Ticks before giving up (default 2000). */
  maxSteps?: number;
}

type TickingClock = Pick<sinon.SinonFakeTimers, "tickAsync">;

/**
 * Alternates `turns` real I/O turns with a `stepMs` fake-time tick until `until` settles (a promise,
 * resolved with its value) or returns true (a condition); throws after `maxSteps` ticks.
 */
export async function drive<T>(clock: TickingClock, until: Promise<T>, options?: DriveOptions): Promise<T>;
export async function drive(clock: TickingClock, until: () => boolean, options?: DriveOptions): Promise<void>;
export async function drive<T>(clock: TickingClock, until: Promise<T> | (() => boolean), options: DriveOptions = {}): Promise<T | void> {
  const { stepMs = 250, turns = 3, maxSteps = 2_000 } = options;
  let settled = false;
  if (typeof until !== "function") {
    until.then(
      () => (settled = true),
      () => (settled = true),
    );
  }
  const done = typeof until === "function" ? until : () => settled;
  for (let step = 0; step <= maxSteps; step += 1) {
    for (let turn = 0; turn < turns && !done(); turn += 1) await new Promise((resolve) => setImmediate(resolve));
    if (done()) return typeof until === "function" ? undefined : until;
    if (step < maxSteps) await clock.tickAsync(stepMs);
  }
  throw new Error(`not done after ${maxSteps} steps of ${stepMs} ms of fake time`);
}
