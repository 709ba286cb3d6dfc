/** The SD agent's Prometheus metrics, on a registry of its own (no global state, one per test). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ExoscaleErrorKind } from "../../lib/exoscale/errors.js";

/** Failure categories: the client's kinds, plus the agent's own. */
export type RefreshErrorKind = ExoscaleErrorKind | "write" | "invalid_response" | "other";

const KINDS: RefreshErrorKind[] = [
  "auth",
  "not_found",
  "rate_limit",
  "server",
  "request",
  "network",
  "timeout",
  "write",
  "invalid_response",
  "other",
];

export interface SdAgentMetrics {
  registry: Registry;
  lastSuccess: Gauge;
  targets: Gauge;
  errors: Counter<"kind">;
  writes: Counter;
  duration: Histogram;
}

export function createSdAgentMetrics(options: { defaultMetrics?: boolean } = {}): SdAgentMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const metrics: SdAgentMetrics = {
    registry,
    lastSuccess: new Gauge({
      name: "sd_agent_last_success_timestamp_seconds",
      help: "UNIX time of the last refresh that read every pool successfully (0 before the first).",
      registers: [registry],
    }),
    targets: new Gauge({
      name: "sd_agent_targets",
      help: "Targets in the file_sd document as last written or confirmed.",
      registers: [registry],
    }),
    errors: new Counter({
      name: "sd_agent_refresh_errors_total",
      help: "Refreshes that failed, by kind; the last good file is kept.",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    writes: new Counter({
      name: "sd_agent_file_writes_total",
      help: "Times the file_sd document was rewritten because the targets changed.",
      registers: [registry],
    }),
    duration: new Histogram({
      name: "sd_agent_refresh_duration_seconds",
      help: "Time to list the pools' members and update the file.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
  // Export every kind from the start, so `rate()` and alerts see a 0 before the first failure.
  for (const kind of KINDS) metrics.errors.inc({ kind }, 0);
  return metrics;
}
