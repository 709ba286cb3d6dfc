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
    signals: { up: signals.up.map(describeSignal), down: signals.down.map(describeSignal) },
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
