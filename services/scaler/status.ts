/** The GET /status view: pure, from what the loop, the signal store and the config already hold. */
import type { ScalerConfig } from "./config.js";
import type { LoopStatus } from "./loop.js";
import type { AssertedSignal, SignalState } from "./signalStore.js";

function describeSignal(s: AssertedSignal): Record<string, unknown> {
  return {
    kind: s.kind,
    source: s.source,
    ...(s.key !== "" ? { key: s.key } : {}),
    ...(s.startsAt !== undefined ? { startsAt: s.startsAt } : {}),
    since: new Date(s.since).toISOString(),
    lastSeen: new Date(s.lastSeen).toISOString(),
    ...(s.expiresAt !== undefined ? { expiresAt: new Date(s.expiresAt).toISOString() } : {}),
    ...(s.value !== undefined ? { value: s.value } : {}),
  };
}

/** How many held signals /status shows per direction (the newest heard of); the count covers all of them. */
export const STATUS_SIGNALS_SHOWN = 5;

/** A count and the few signals heard of most recently, so /status stays small however many are held. */
function summarise(list: readonly AssertedSignal[]): { count: number; newest: Record<string, unknown>[] } {
  const newest = [...list].sort((a, b) => b.lastSeen - a.lastSeen || b.id - a.id).slice(0, STATUS_SIGNALS_SHOWN);
  return { count: list.length, newest: newest.map(describeSignal) };
}

export function renderStatus(loopStatus: LoopStatus, signals: SignalState, config: ScalerConfig): Record<string, unknown> {
  const { target } = loopStatus;
  const { auth, policy } = config;
  return {
    poolId: config.poolId,
    pool:
      target === undefined
        ? null
        : {
            size: target.size,
            busy: target.busy ?? null,
            members: target.members.length,
            serving: target.members.filter((m) => m.serving).length,
            readAt: target.readAt,
          },
    signals: { up: summarise(signals.up), down: summarise(signals.down) },
    lastDecision: loopStatus.lastDecision ?? null,
    lastError: loopStatus.lastError ?? null,
    nextTickAt: loopStatus.nextTickAt ?? null,
    settings: {
      tickSeconds: loopStatus.tickSeconds,
      dryRun: config.dryRun,
      mode: policy.mode,
      minSize: policy.minSize,
      maxSize: policy.maxSize,
      // Which methods are on, never the secrets.
      auth: [...(auth.token !== undefined ? ["token"] : []), ...(auth.hmacSecret !== undefined ? ["hmac"] : [])],
    },
  };
}
