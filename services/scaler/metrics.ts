import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

export type WebhookOutcome = "accepted" | "unauthorized" | "bad_request" | "too_large" | "error";

/** The scaler's Prometheus metrics, on a registry of their own (one per app, so tests never collide). */
export interface ScalerMetrics {
  registry: Registry;
  poolSize: Gauge<string>;
  desiredSize: Gauge<string>;
  decisions: Counter<"direction" | "reason">;
  webhooks: Counter<"outcome">;
  signals: Counter<"direction" | "status" | "outcome">;
  signalsDropped: Counter<"kind">;
  assertedSignals: Gauge<"direction">;
  apiErrors: Counter<"operation">;
  changes: Counter<"outcome">;
  lastTick: Gauge<string>;
  ticks: Counter<string>;
}

export function createScalerMetrics(options: { defaultMetrics?: boolean } = {}): ScalerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    poolSize: new Gauge({ name: "scaler_pool_size", help: "Instance pool size as last read from the API", registers }),
    desiredSize: new Gauge({ name: "scaler_pool_desired_size", help: "Size the last decision asked for", registers }),
    decisions: new Counter({
      name: "scaler_decisions_total",
      help: "Decisions taken by the loop, by direction (up, down, none) and reason",
      labelNames: ["direction", "reason"] as const,
      registers,
    }),
    webhooks: new Counter({
      name: "scaler_webhooks_total",
      help: "Requests to /up, /down and /webhook by outcome",
      labelNames: ["outcome"] as const,
      registers,
    }),
    signals: new Counter({
      name: "scaler_signals_total",
      help: "Signals received, by direction, status (pulse, firing, resolved) and what was done with them",
      labelNames: ["direction", "status", "outcome"] as const,
      registers,
    }),
    signalsDropped: new Counter({
      name: "scaler_signals_dropped_total",
      help: "Entries the signal store dropped to stay within its caps, by kind (alerts, resolved-episodes, pulses)",
      labelNames: ["kind"] as const,
      registers,
    }),
    assertedSignals: new Gauge({
      name: "scaler_asserted_signals",
      help: "Signals currently asking the pool to move, by direction",
      labelNames: ["direction"] as const,
      registers,
    }),
    apiErrors: new Counter({
      name: "scaler_api_errors_total",
      help: "Exoscale API calls that failed after the client's retries, by operation",
      labelNames: ["operation"] as const,
      registers,
    }),
    changes: new Counter({
      name: "scaler_changes_settled_total",
      help: "Changes to the pool that ended, by outcome (succeeded, failed, made after all, not made)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    lastTick: new Gauge({
      name: "scaler_last_tick_timestamp_seconds",
      help: "Heartbeat: Unix time the decision loop last completed a tick",
      registers,
    }),
    ticks: new Counter({ name: "scaler_ticks_total", help: "Decision loop ticks run", registers }),
  };
}
