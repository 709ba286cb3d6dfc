import test from "ava";
import type { Signal } from "../../../services/scaler/signals.js";
import {
  DEFAULT_MAX_ALERTS,
  DEFAULT_MAX_PULSES,
  DEFAULT_MAX_RESOLVED_EPISODES,
  pulseIdsOf,
  SignalStore,
} from "../../../services/scaler/signalStore.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";

const T0 = Date.parse("2026-01-01T12:00:00Z");
const firingUp: Signal = {
  direction: "up",
  source: "grafana",
  key: "grafana:fp1",
  status: "firing",
  startsAt: "2026-01-01T11:58:00Z",
  value: 90,
};
const resolvedUp: Signal = { ...firingUp, status: "resolved" };
const pulse = (direction: "up" | "down"): Signal => ({ direction, source: "request", key: "", status: "pulse" });

test("a pulse is held until a tick consumes it", (t) => {
  const store = new SignalStore(600_000);
  t.deepEqual(
    store.record([pulse("up")], T0).map((r) => r.outcome),
    ["queued"],
  );
  const state = store.snapshot(T0 + 1000);
  t.is(state.up.length, 1);
  t.is(pulseIdsOf(state).size, 1);
  store.consumePulses(pulseIdsOf(state));
  t.is(store.snapshot(T0 + 2000).up.length, 0);
});

test("a pulse that arrives during a tick survives that tick", (t) => {
  const store = new SignalStore(600_000);
  store.record([pulse("down")], T0);
  const seen = store.snapshot(T0);
  store.record([pulse("down")], T0 + 10);
  store.consumePulses(pulseIdsOf(seen));
  t.is(store.snapshot(T0 + 20).down.length, 1);
});

test("pulseIdsOf names the pulses of a snapshot, never its alerts", (t) => {
  const store = new SignalStore(600_000);
  store.record([pulse("up"), firingUp, pulse("down")], T0);
  const state = store.snapshot(T0);
  const pulses = [...state.up, ...state.down].filter((s) => s.kind === "pulse").map((s) => s.id);
  t.is(pulses.length, 2);
  t.deepEqual(pulseIdsOf(state), new Set(pulses));
});

test("a firing alert stays asserted across ticks until resolved", (t) => {
  const store = new SignalStore(600_000);
  t.is(store.record([firingUp], T0)[0]!.outcome, "asserted");
  const s1 = store.snapshot(T0 + 60_000);
  store.consumePulses(pulseIdsOf(s1));
  t.is(store.snapshot(T0 + 120_000).up.length, 1);
  t.is(store.record([resolvedUp], T0 + 130_000)[0]!.outcome, "withdrawn");
  t.is(store.snapshot(T0 + 131_000).up.length, 0);
});

test("repeats and retries of the same alert count once", (t) => {
  const store = new SignalStore(600_000);
  const outcomes = [firingUp, firingUp, { ...firingUp, value: 95 }].map((s, i) => store.record([s], T0 + i * 1000)[0]!.outcome);
  t.deepEqual(outcomes, ["asserted", "refreshed", "refreshed"]);
  const state = store.snapshot(T0 + 5000);
  t.is(state.up.length, 1);
  t.is(state.up[0]!.value, 95);
  t.is(state.up[0]!.valueAt, T0 + 2000, "the time of the latest value is kept");
  store.record([{ ...firingUp, value: undefined } as Signal], T0 + 3000);
  t.is(store.snapshot(T0 + 4000).up[0]!.valueAt, T0 + 2000, "a repeat without a value keeps the last one");
});

test("a late retry of an episode already resolved is ignored", (t) => {
  const store = new SignalStore(600_000);
  store.record([firingUp], T0);
  store.record([resolvedUp], T0 + 1000);
  t.is(store.record([firingUp], T0 + 2000)[0]!.outcome, "stale");
  t.is(store.snapshot(T0 + 3000).up.length, 0);
  // A new episode (new startsAt) of the same alert asserts again.
  t.is(store.record([{ ...firingUp, startsAt: "2026-01-01T12:10:00Z" }], T0 + 4000)[0]!.outcome, "asserted");
});

test("a late resolved of an older episode never withdraws a newer firing of the same alert", (t) => {
  const store = new SignalStore(600_000);
  const newer: Signal = { ...firingUp, startsAt: "2026-01-01T12:10:00Z" };
  t.is(store.record([newer], T0)[0]!.outcome, "asserted");
  // Grafana retries the old episode's resolve after the alert fired again.
  t.is(store.record([{ ...resolvedUp, startsAt: "2026-01-01T11:58:00Z" }], T0 + 1000)[0]!.outcome, "not-asserted");
  t.is(store.snapshot(T0 + 2000).up.length, 1, "the newer episode still asks for a member");
  // Its own resolve withdraws it.
  t.is(store.record([{ ...newer, status: "resolved" }], T0 + 3000)[0]!.outcome, "withdrawn");
  t.is(store.snapshot(T0 + 4000).up.length, 0);
});

test("resolved for an alert we never held changes nothing and never scales", (t) => {
  const store = new SignalStore(600_000);
  t.is(store.record([resolvedUp], T0)[0]!.outcome, "not-asserted");
  const state = store.snapshot(T0);
  t.deepEqual([state.up.length, state.down.length], [0, 0]);
});

test("a firing alert expires when not heard of for the TTL; a repeat extends it", (t) => {
  const store = new SignalStore(600_000);
  store.record([firingUp], T0);
  store.record([firingUp], T0 + 300_000);
  t.is(store.snapshot(T0 + 899_000).up.length, 1);
  t.is(store.snapshot(T0 + 900_000).up.length, 0);
});

test("TTL 0 keeps a firing alert until resolved", (t) => {
  const store = new SignalStore(0);
  store.record([firingUp], T0);
  t.is(store.snapshot(T0 + 30 * 86400_000).up.length, 1);
});

test("the same fingerprint in both directions is two signals", (t) => {
  const store = new SignalStore(600_000);
  store.record([firingUp, { ...firingUp, direction: "down" }], T0);
  const s = store.snapshot(T0);
  t.deepEqual([s.up.length, s.down.length], [1, 1]);
});

test("alerts without a start time can fire again after they resolved", (t) => {
  const store = new SignalStore(600_000);
  const legacy: Signal = { direction: "up", source: "grafana-legacy", key: "grafana-legacy:7", status: "firing" };
  store.record([legacy], T0);
  store.record([{ ...legacy, status: "resolved" }], T0 + 1000);
  t.is(store.record([legacy], T0 + 2000)[0]!.outcome, "asserted");
});

const alert = (n: number, status: "firing" | "resolved" = "firing"): Signal => ({
  direction: "up",
  source: "alertmanager",
  key: `alertmanager:fp${n}`,
  status,
  startsAt: "2026-01-01T11:00:00Z",
});

function capped(options: { maxAlerts?: number; maxResolvedEpisodes?: number; maxPulses?: number } = {}) {
  const logger = createMemoryLogger("scaler");
  const drops: string[] = [];
  const store = new SignalStore(600_000, { ...options, logger, onDrop: (kind) => drops.push(kind) });
  const warnings = () => logger.lines.filter((l) => l["msg"] === "signal store full, dropping the oldest entries");
  return { store, drops, warnings };
}

test("the caps default to 1000 held alerts, 10000 resolved episodes, 1000 pulses", (t) => {
  t.deepEqual([DEFAULT_MAX_ALERTS, DEFAULT_MAX_RESOLVED_EPISODES, DEFAULT_MAX_PULSES], [1000, 10_000, 1000]);
  const { store, drops, warnings } = capped();
  for (let i = 0; i < 1005; i += 1) store.record([alert(i)], T0 + i);
  const held = store.snapshot(T0 + 2000).up;
  t.is(held.length, 1000);
  t.false(
    held.some((s) => s.key === "alertmanager:fp0"),
    "the oldest went first",
  );
  t.is(drops.length, 5);
  t.is(warnings().length, 1, "logged once");
  t.like(warnings()[0], { level: "warn", kind: "alerts", cap: 1000 });
});

test("held alerts: the one heard of least recently is dropped first", (t) => {
  const { store, drops, warnings } = capped({ maxAlerts: 3 });
  store.record([alert(1), alert(2), alert(3)], T0);
  store.record([alert(1)], T0 + 1000); // a repeat makes fp1 the most recent
  store.record([alert(4)], T0 + 2000);
  store.record([alert(5)], T0 + 3000);
  t.deepEqual(
    store
      .snapshot(T0 + 4000)
      .up.map((s) => s.key)
      .sort(),
    ["alertmanager:fp1", "alertmanager:fp4", "alertmanager:fp5"],
  );
  t.deepEqual(drops, ["alerts", "alerts"]);
  t.is(warnings().length, 1);
});

test("remembered resolved episodes are capped, oldest first; a forgotten one no longer blocks its late retry", (t) => {
  const { store, drops, warnings } = capped({ maxResolvedEpisodes: 2 });
  store.record([alert(1, "resolved")], T0);
  store.record([alert(2, "resolved")], T0 + 1);
  store.record([alert(3, "resolved")], T0 + 2);
  t.deepEqual(drops, ["resolved-episodes"]);
  t.like(warnings()[0], { kind: "resolved-episodes", cap: 2 });
  t.is(store.record([alert(3)], T0 + 3)[0]!.outcome, "stale", "a remembered episode still blocks");
  t.is(store.record([alert(1)], T0 + 4)[0]!.outcome, "asserted", "the oldest was forgotten");
});

test("queued pulses are capped, oldest first, logged once", (t) => {
  const { store, drops, warnings } = capped({ maxPulses: 2 });
  for (let i = 0; i < 5; i += 1) store.record([pulse("down")], T0 + i);
  const queued = store.snapshot(T0 + 10).down;
  t.deepEqual(
    queued.map((s) => s.since),
    [T0 + 3, T0 + 4],
  );
  t.is(drops.length, 3);
  t.is(warnings().length, 1);
});
