import { isRecord } from "../../lib/shared/json.js";
import type { Logger } from "../../lib/shared/log.js";
import type { Direction, Signal, SignalSource } from "./signals.js";

/** One signal that currently asks the pool to move. */
export interface AssertedSignal {
  id: number;
  direction: Direction;
  source: SignalSource;
  kind: "pulse" | "alert";
  /** Alert identity; empty for pulses. */
  key: string;
  startsAt?: string;
  /** First and last time we heard of it (ms since epoch). */
  since: number;
  lastSeen: number;
  /** When it stops counting unless heard again (ms); undefined = until resolved. */
  expiresAt?: number;
  value?: number;
  /** When `value` was received (ms): a value older than our last change describes the pool before it. */
  valueAt?: number;
}

export interface SignalState {
  up: AssertedSignal[];
  down: AssertedSignal[];
}

/** The ids of the pulses in a snapshot: what a tick that acted on it consumes. */
export function pulseIdsOf(state: SignalState): Set<number> {
  return new Set([...state.up, ...state.down].filter((s) => s.kind === "pulse").map((s) => s.id));
}

export type RecordOutcome =
  | "queued" // a pulse waiting for the next tick
  | "asserted" // a new firing alert
  | "refreshed" // a repeat of an alert already asserted: counts once
  | "withdrawn" // resolved
  | "stale" // a late retry of an episode already resolved: ignored
  | "not-asserted"; // resolved for an alert we did not hold

export interface RecordResult {
  direction: Direction;
  status: Signal["status"];
  key: string;
  outcome: RecordOutcome;
}

/** What the store bounds: held alerts, remembered resolved episodes, queued pulses. */
export type CappedKind = "alerts" | "resolved-episodes" | "pulses";

export interface SignalStoreOptions {
  /** Most firing alerts held at once; the one heard of least recently goes first (default 1000). */
  maxAlerts?: number;
  /** Most resolved episodes remembered; the oldest goes first (default 10000). */
  maxResolvedEpisodes?: number;
  /** Most pulses queued; any number is one step per tick, so the oldest can go (default 1000). */
  maxPulses?: number;
  /** Warned once per kind when its cap is first hit. */
  logger?: Logger;
  /** Called for every entry dropped to stay under a cap (for a metric). */
  onDrop?: (kind: CappedKind) => void;
}

/** What the store holds, as plain JSON (for the state file); the order of each list is its age order. */
export interface SignalStoreState {
  nextId: number;
  pulses: AssertedSignal[];
  alerts: AssertedSignal[];
  /** Resolved episodes and when they resolved (ms). */
  resolved: Array<[string, number]>;
}

const SOURCES: ReadonlySet<string> = new Set(["request", "grafana", "alertmanager", "grafana-legacy"]);

function isAssertedSignal(value: unknown): value is AssertedSignal {
  if (!isRecord(value)) return false;
  const num = (key: string, optional = false): boolean =>
    (optional && value[key] === undefined) || (typeof value[key] === "number" && Number.isFinite(value[key]));
  return (
    num("id") &&
    (value["direction"] === "up" || value["direction"] === "down") &&
    typeof value["source"] === "string" &&
    SOURCES.has(value["source"]) &&
    (value["kind"] === "pulse" || value["kind"] === "alert") &&
    typeof value["key"] === "string" &&
    (value["startsAt"] === undefined || typeof value["startsAt"] === "string") &&
    num("since") &&
    num("lastSeen") &&
    num("expiresAt", true) &&
    num("value", true) &&
    num("valueAt", true)
  );
}

/** The state as read back from a file, or undefined when it is not one the store wrote. */
export function parseSignalStoreState(value: unknown): SignalStoreState | undefined {
  if (!isRecord(value)) return undefined;
  const { nextId, pulses, alerts, resolved } = value;
  if (typeof nextId !== "number" || !Number.isInteger(nextId) || nextId < 1) return undefined;
  if (!Array.isArray(pulses) || !pulses.every(isAssertedSignal) || pulses.some((s) => s.kind !== "pulse")) return undefined;
  if (!Array.isArray(alerts) || !alerts.every(isAssertedSignal) || alerts.some((s) => s.kind !== "alert")) return undefined;
  const episodes = Array.isArray(resolved) ? resolved : undefined;
  if (episodes === undefined || !episodes.every((e) => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "number")) {
    return undefined;
  }
  return { nextId, pulses, alerts, resolved: episodes as Array<[string, number]> };
}

export const DEFAULT_MAX_ALERTS = 1000;
export const DEFAULT_MAX_RESOLVED_EPISODES = 10_000;
export const DEFAULT_MAX_PULSES = 1000;

/**
 * Holds the signals between ticks. Firing alerts stay asserted until resolved or until they have not
 * been heard of for `ttlMs` (so a lost resolve cannot pin the pool up); pulses wait for one tick.
 * Identity is (direction, key): Grafana repeats and retries of the same alert never count twice.
 */
export class SignalStore {
  private nextId = 1;
  private readonly pulses: AssertedSignal[] = [];
  private readonly alerts = new Map<string, AssertedSignal>();
  /** Episodes (key + startsAt) already resolved, so a delayed retry of their firing is ignored. */
  private readonly resolved = new Map<string, number>();
  private readonly caps: Record<CappedKind, number>;
  private readonly warned = new Set<CappedKind>();

  /**
   * Everything is bounded: whoever can reach the port (or replays signed payloads) could otherwise
   * grow the process without limit with distinct fingerprints or start times.
   */
  constructor(
    private readonly ttlMs: number,
    private readonly options: SignalStoreOptions = {},
  ) {
    this.caps = {
      alerts: options.maxAlerts ?? DEFAULT_MAX_ALERTS,
      "resolved-episodes": options.maxResolvedEpisodes ?? DEFAULT_MAX_RESOLVED_EPISODES,
      pulses: options.maxPulses ?? DEFAULT_MAX_PULSES,
    };
  }

  private dropped(kind: CappedKind): void {
    this.options.onDrop?.(kind);
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.options.logger?.warn("signal store full, dropping the oldest entries", {
      kind,
      cap: this.caps[kind],
      hint: "a sender is producing far more distinct alerts than a pool's alert rules can; check who posts to the scaler",
    });
  }

  /** Map insertion order is age order: drop from the front until there is room for one more. */
  private makeRoom<V>(map: Map<string, V>, kind: CappedKind): void {
    while (map.size >= this.caps[kind]) {
      const oldest = map.keys().next();
      if (oldest.done === true) return;
      map.delete(oldest.value);
      this.dropped(kind);
    }
  }

  private expiry(now: number): number | undefined {
    return this.ttlMs > 0 ? now + this.ttlMs : undefined;
  }

  record(signals: readonly Signal[], now: number): RecordResult[] {
    this.prune(now);
    return signals.map((signal) => ({
      direction: signal.direction,
      status: signal.status,
      key: signal.key,
      outcome: this.recordOne(signal, now),
    }));
  }

  private recordOne(signal: Signal, now: number): RecordOutcome {
    const expiresAt = this.expiry(now);
    if (signal.status === "pulse") {
      while (this.pulses.length >= this.caps.pulses) {
        this.pulses.shift();
        this.dropped("pulses");
      }
      this.pulses.push({
        id: this.nextId++,
        direction: signal.direction,
        source: signal.source,
        kind: "pulse",
        key: "",
        since: now,
        lastSeen: now,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      return "queued";
    }
    const mapKey = `${signal.direction}|${signal.key}`;
    const episode = `${mapKey}|${signal.startsAt ?? ""}`;
    const held = this.alerts.get(mapKey);
    if (signal.status === "resolved") {
      // Without a start time an episode cannot be told from the next one, so only dated ones are remembered.
      if (signal.startsAt !== undefined) {
        this.resolved.delete(episode); // re-inserted at the back: newest
        this.makeRoom(this.resolved, "resolved-episodes");
        this.resolved.set(episode, now);
      }
      // Only the episode that resolved is withdrawn; a newer firing of the same alert stays.
      if (held !== undefined && (signal.startsAt === undefined || held.startsAt === undefined || held.startsAt === signal.startsAt)) {
        this.alerts.delete(mapKey);
        return "withdrawn";
      }
      return "not-asserted";
    }
    if (signal.startsAt !== undefined && this.resolved.has(episode)) return "stale";
    if (held !== undefined) {
      // Moved to the back, so the front of the map is always the alert heard of least recently.
      this.alerts.delete(mapKey);
      this.alerts.set(mapKey, held);
      held.lastSeen = now;
      if (expiresAt !== undefined) held.expiresAt = expiresAt;
      if (signal.value !== undefined) {
        held.value = signal.value;
        held.valueAt = now;
      }
      if (signal.startsAt !== undefined) held.startsAt = signal.startsAt;
      return "refreshed";
    }
    this.makeRoom(this.alerts, "alerts");
    this.alerts.set(mapKey, {
      id: this.nextId++,
      direction: signal.direction,
      source: signal.source,
      kind: "alert",
      key: signal.key,
      ...(signal.startsAt !== undefined ? { startsAt: signal.startsAt } : {}),
      since: now,
      lastSeen: now,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(signal.value !== undefined ? { value: signal.value, valueAt: now } : {}),
    });
    return "asserted";
  }

  /** Drops what has expired; resolved-episode memory is kept for one TTL (or an hour without one). */
  private prune(now: number): void {
    const live = (s: AssertedSignal): boolean => s.expiresAt === undefined || s.expiresAt > now;
    for (let i = this.pulses.length - 1; i >= 0; i -= 1) if (!live(this.pulses[i]!)) this.pulses.splice(i, 1);
    for (const [k, s] of this.alerts) if (!live(s)) this.alerts.delete(k);
    const keep = this.ttlMs > 0 ? this.ttlMs : 3_600_000;
    for (const [k, at] of this.resolved) if (at + keep <= now) this.resolved.delete(k);
  }

  snapshot(now: number): SignalState {
    this.prune(now);
    const all = [...this.pulses, ...this.alerts.values()].map((s) => ({ ...s }));
    return { up: all.filter((s) => s.direction === "up"), down: all.filter((s) => s.direction === "down") };
  }

  /** Removes the pulses a tick has acted on (`ids`, see pulseIdsOf); pulses that arrived since stay. */
  consumePulses(ids: ReadonlySet<number>): void {
    for (let i = this.pulses.length - 1; i >= 0; i -= 1) {
      if (ids.has(this.pulses[i]!.id)) this.pulses.splice(i, 1);
    }
  }

  /** Everything held, as plain JSON, for the state file. */
  exportState(): SignalStoreState {
    return {
      nextId: this.nextId,
      pulses: this.pulses.map((p) => ({ ...p })),
      alerts: [...this.alerts.values()].map((a) => ({ ...a })),
      resolved: [...this.resolved.entries()],
    };
  }

  /** Replaces what is held with a saved state, within the caps; what has expired since is dropped. */
  importState(state: SignalStoreState, now: number): void {
    this.pulses.length = 0;
    this.alerts.clear();
    this.resolved.clear();
    for (const pulse of state.pulses.slice(-this.caps.pulses)) this.pulses.push({ ...pulse });
    for (const alert of state.alerts.slice(-this.caps.alerts)) this.alerts.set(`${alert.direction}|${alert.key}`, { ...alert });
    for (const [episode, at] of state.resolved.slice(-this.caps["resolved-episodes"])) this.resolved.set(episode, at);
    const highest = Math.max(0, ...state.pulses.map((s) => s.id), ...state.alerts.map((s) => s.id));
    this.nextId = Math.max(state.nextId, highest + 1);
    this.prune(now);
  }
}
