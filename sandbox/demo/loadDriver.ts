/**
 * The demo's load: a closed loop of `/load` requests through the NLB, whose concurrency the demo changes
 * second by second (ramp, hold, drop). Each request pins a member's CPU for a while, so what matters is
 * how many are in flight, not how fast they are sent.
 */
export interface LoadDriver {
  /** How many requests should be in flight; extra workers finish their request and stop. */
  setConcurrency(n: number): void;
  readonly concurrency: number;
  readonly completed: number;
  readonly failed: number;
  /** Stops every worker and aborts the requests in flight. */
  stop(): Promise<void>;
}

/** The profile: concurrency at `t` seconds since the load started (ramp from 1, hold, then nothing). */
export function concurrencyAt(t: number, profile: { rampSeconds: number; holdSeconds: number; concurrency: number }): number {
  const { rampSeconds, holdSeconds, concurrency } = profile;
  if (t < 0) return 0;
  if (t < rampSeconds) return Math.max(1, Math.ceil((concurrency * (t + 1)) / (rampSeconds + 1)));
  if (t < rampSeconds + holdSeconds) return concurrency;
  return 0;
}

export function startLoad(url: string, fetchImpl: typeof fetch = fetch): LoadDriver {
  let target = 0;
  let completed = 0;
  let failed = 0;
  let stopped = false;
  const workers = new Set<Promise<void>>();
  const abort = new AbortController();
  let running = 0;

  const work = async (): Promise<void> => {
    running += 1;
    try {
      while (!stopped && running <= target) {
        try {
          const response = await fetchImpl(url, { signal: abort.signal });
          await response.arrayBuffer();
          if (response.ok) completed += 1;
          else {
            failed += 1;
            // An NLB with no healthy member answers at once: do not spin.
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        } catch {
          if (stopped) return;
          failed += 1;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    } finally {
      running -= 1;
    }
  };
  const grow = (): void => {
    while (!stopped && running + pendingStarts < target) {
      pendingStarts += 1;
      const worker = Promise.resolve()
        .then(() => {
          pendingStarts -= 1;
          return work();
        })
        .finally(() => workers.delete(worker));
      workers.add(worker);
    }
  };
  let pendingStarts = 0;

  return {
    setConcurrency(n) {
      target = Math.max(0, Math.floor(n));
      grow();
    },
    get concurrency() {
      return target;
    },
    get completed() {
      return completed;
    },
    get failed() {
      return failed;
    },
    async stop() {
      stopped = true;
      target = 0;
      abort.abort();
      await Promise.allSettled([...workers]);
    },
  };
}
