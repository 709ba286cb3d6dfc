import test from "ava";
import type { Signal } from "../../../services/scaler/signals.js";
import { SignalStore } from "../../../services/scaler/signalStore.js";

const T0 = Date.parse("2026-01-01T12:00:00Z");
const firingUp: Signal = { direction: "up", source: "grafana", key: "grafana:fp1", status: "firing", startsAt: "2026-01-01T11:58:00Z", value: 90 };
const resolvedUp: Signal = { ...firingUp, status: "resolved" };
const pulse = (direction: "up" | "down"): Signal => ({ direction, source: "request", key: "", status: "pulse" });

test("a pulse is held until a tick consumes it", (t) => {
  const store = new SignalStore(600_000);
  t.deepEqual(store.record([pulse("up")], T0).map((r) => r.outcome), ["queued"]);
  const state = store.snapshot(T0 + 1000);
  t.is(state.up.length, 1);
  t.is(store.consumePulses(state), 1);
  t.is(store.snapshot(T0 + 2000).up.length, 0);
});

test("a pulse that arrives during a tick survives that tick", (t) => {
  const store = new SignalStore(600_000);
  store.record([pulse("down")], T0);
  const seen = store.snapshot(T0);
  store.record([pulse("down")], T0 + 10);
  store.consumePulses(seen);
  t.is(store.snapshot(T0 + 20).down.length, 1);
});

test("a firing alert stays asserted across ticks until resolved", (t) => {
  const store = new SignalStore(600_000);
  t.is(store.record([firingUp], T0)[0]!.outcome, "asserted");
  const s1 = store.snapshot(T0 + 60_000);
  store.consumePulses(s1);
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
