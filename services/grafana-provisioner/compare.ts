/**
 * Comparing what we would write with what Grafana holds. Grafana adds fields of its own to everything it
 * stores (ids, versions, timestamps, defaults), so "unchanged" means: every field we set has the value we
 * set, whatever else is there. Arrays must match element by element (order matters: panels, rules).
 */
import { isRecord } from "../../lib/shared/json.js";

export function containsAll(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, index) => containsAll(item, actual[index]));
  }
  if (isRecord(expected)) {
    return isRecord(actual) && Object.entries(expected).every(([key, value]) => value === undefined || containsAll(value, actual[key]));
  }
  return Object.is(expected, actual);
}

/** Deep equality that ignores key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return containsAll(a, b) && containsAll(b, a);
}
