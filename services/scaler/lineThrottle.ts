/**
 * Keeps per-request log lines from growing with request volume: the first line of a kind in a window is
 * written, the rest are only counted, and the next line written says how many were left out. The
 * counters in /metrics carry the full detail. Pure: the clock is passed in.
 */
export interface LineThrottle {
  /** undefined: do not write this line; a number: write it, noting that many left out since the last one. */
  admit(kind: string, now: number): number | undefined;
}

export function createLineThrottle(windowMs: number): LineThrottle {
  const kinds = new Map<string, { writtenAt: number; skipped: number }>();
  return {
    admit(kind, now) {
      const seen = kinds.get(kind);
      if (seen !== undefined && now - seen.writtenAt < windowMs) {
        seen.skipped += 1;
        return undefined;
      }
      const skipped = seen?.skipped ?? 0;
      kinds.set(kind, { writtenAt: now, skipped: 0 });
      return skipped;
    },
  };
}
