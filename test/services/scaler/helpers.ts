/** Builders shared by the scaler tests (not a test file: no `.test.ts`). */
import type { TargetView } from "../../../services/scaler/target.js";
import type { AssertedSignal, SignalState } from "../../../services/scaler/signalStore.js";

export const T0 = Date.parse("2026-01-01T12:00:00Z");

export function pool(size: number, extra: Partial<TargetView> = {}): TargetView {
  const members = Array.from({ length: size }, (_, i) => ({
    id: `m${i + 1}`,
    createdAt: T0 - (size - i) * 3600_000, // m1 oldest
    serving: true,
  }));
  return { size, members, ...extra };
}

let id = 0;
export function asserted(direction: "up" | "down", extra: Partial<AssertedSignal> = {}): AssertedSignal {
  id += 1;
  return { id, direction, source: "request", kind: "pulse", key: "", since: T0, lastSeen: T0, ...extra };
}

export function signals(up: number | AssertedSignal[], down: number | AssertedSignal[] = 0): SignalState {
  const make = (d: "up" | "down", v: number | AssertedSignal[]): AssertedSignal[] =>
    typeof v === "number" ? Array.from({ length: v }, () => asserted(d)) : v;
  return { up: make("up", up), down: make("down", down) };
}
