/** Bounded polling, for tests that watch a child process (in-process tests use fake timers or events instead). */

export interface WaitOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Delay between probes (default 10 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/** Probes until it returns something other than undefined (false counts as "not yet") and resolves with it. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 5_000, intervalMs = 10, what = "condition" } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
