/**
 * The decision loop: every tick it reads the pool, asks the policy, applies the decision (unless
 * dry-run), logs one line with the reason and updates the metrics. An API failure costs one tick,
 * never the loop.
 */
import { EventEmitter } from "node:events";
import { messageOf } from "../../lib/shared/errors.js";
import type { Logger } from "../../lib/shared/log.js";
import type { PolicyOptions } from "./config.js";
import { ApiCallError, type PoolDriver } from "./driver.js";
import type { ScalerMetrics } from "./metrics.js";
import { decide, type Decision, type PoolView } from "./policy.js";
import { pulseIdsOf, type SignalState, type SignalStore } from "./signalStore.js";

export interface LoopOptions {
  driver: PoolDriver;
  store: SignalStore;
  policy: PolicyOptions;
  tickMs: number;
  dryRun: boolean;
  logger: Logger;
  metrics: ScalerMetrics;
  now?: () => number;
}

export interface DecisionRecord extends Decision {
  at: string;
  dryRun: boolean;
  /** The operation started for it, if any. */
  operationId?: string;
  /** Why it could not be applied, if the API refused. */
  error?: string;
  /** Why it was not even tried (the scaler was stopping). */
  notApplied?: string;
}

/**
 * A change whose API call failed. The API may have made it all the same (a client timeout does not stop
 * the server), so the next tick that can judge the pool checks before stepping again on the same pulses.
 */
interface UnconfirmedChange {
  direction: "up" | "down";
  target: number;
  at: number;
  pulseIds: ReadonlySet<number>;
}

export interface LoopStatus {
  pool?: PoolView & { readAt: string };
  lastDecision?: DecisionRecord;
  lastError?: { at: string; message: string };
  nextTickAt?: string;
  tickSeconds: number;
  dryRun: boolean;
}

export class DecisionLoop {
  /** Emits "tick" (DecisionRecord | undefined) after every tick, for tests and embedders. */
  readonly events = new EventEmitter();
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;
  private stopped = true;
  /** Set by stop(): a tick in flight must not change the pool any more. */
  private stopRequested = false;
  private unconfirmed?: UnconfirmedChange;
  private nextTickAt?: number;
  private lastPool?: PoolView & { readAt: string };
  private lastDecision?: DecisionRecord;
  private lastError?: { at: string; message: string };
  private readonly now: () => number;

  constructor(private readonly options: LoopOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Runs a first tick at once (so /status is filled), then every `tickMs`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopRequested = false;
    this.schedule(this.now());
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    this.nextTickAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.running = this.tick()
          .then((record) => {
            this.events.emit("tick", record);
          })
          .finally(() => {
            this.running = undefined;
            // Fixed rate: a slow tick shortens the wait, it never makes ticks overlap.
            this.schedule(Math.max(at + this.options.tickMs, this.now()));
          });
      },
      Math.max(0, at - this.now()),
    );
  }

  /** Stops scheduling and waits for a tick in flight, which will not apply its decision any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextTickAt = undefined;
    await this.running;
  }

  status(): LoopStatus {
    return {
      ...(this.lastPool !== undefined ? { pool: this.lastPool } : {}),
      ...(this.lastDecision !== undefined ? { lastDecision: this.lastDecision } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.nextTickAt !== undefined ? { nextTickAt: new Date(this.nextTickAt).toISOString() } : {}),
      tickSeconds: this.options.tickMs / 1000,
      dryRun: this.options.dryRun,
    };
  }

  private fail(error: unknown, now: number): void {
    const { logger, metrics } = this.options;
    const operation = error instanceof ApiCallError ? error.operation : "internal";
    metrics.apiErrors.inc({ operation });
    const message = messageOf(error);
    this.lastError = { at: new Date(now).toISOString(), message };
    logger.error("tick failed, will retry next tick", { operation, error: message });
  }

  /**
   * After a failed apply: once the pool can be judged again, did the API make the change after all?
   * Then the pulses behind it are spent, and stepping on them again would be two steps for one signal.
   */
  private settleUnconfirmed(view: PoolView): { decision: Decision; pulseIds: ReadonlySet<number> } | undefined {
    const change = this.unconfirmed;
    if (change === undefined || view.operationPending || view.state !== "running") return undefined;
    this.unconfirmed = undefined;
    const reached = change.direction === "up" ? view.size >= change.target : view.size <= change.target;
    if (!reached) return undefined; // the API did not act: the signals still ask for the change
    this.options.driver.noteChange(change.at);
    const decision: Decision = {
      direction: "none",
      currentSize: view.size,
      targetSize: view.size,
      reason: "already applied",
      detail: `the scale ${change.direction} to ${change.target} whose API call failed at ${new Date(change.at).toISOString()} was made after all (size ${view.size}); the pulses behind it are consumed`,
      evaluated: true,
    };
    return { decision, pulseIds: change.pulseIds };
  }

  /** One pass of read → decide → apply → explain. Never throws. */
  async tick(): Promise<DecisionRecord | undefined> {
    try {
      return await this.evaluate(this.now());
    } finally {
      this.options.metrics.ticks.inc();
      this.options.metrics.lastTick.set(this.now() / 1000);
    }
  }

  private async evaluate(now: number): Promise<DecisionRecord | undefined> {
    const { driver, store, policy, metrics } = this.options;
    let view: PoolView;
    try {
      view = await driver.observe(now);
    } catch (error) {
      this.fail(error, now);
      return undefined;
    }
    this.lastPool = { ...view, readAt: new Date(now).toISOString() };
    metrics.poolSize.set(view.size);
    const signals = store.snapshot(now);
    const settled = this.settleUnconfirmed(view);
    const decision = settled?.decision ?? decide(view, signals, policy, now);
    const record = await this.applyDecision(decision, signals, now);
    if (settled !== undefined) {
      // Only the pulses the failed call acted on; newer ones ask for a step of their own next tick.
      store.consumePulses(settled.pulseIds);
    } else if (decision.evaluated && record.error === undefined && record.notApplied === undefined) {
      store.consumePulses(pulseIdsOf(signals));
    }
    this.lastDecision = record;
    this.report(record, view, signals, now);
    return record;
  }

  /** Carries out a change (unless none, dry-run or stopping); a failed call is remembered as unconfirmed. */
  private async applyDecision(decision: Decision, signals: SignalState, now: number): Promise<DecisionRecord> {
    const { driver, dryRun } = this.options;
    const record: DecisionRecord = { ...decision, at: new Date(now).toISOString(), dryRun };
    if (decision.direction === "none" || dryRun) return record;
    if (this.stopRequested) {
      // Stopped while this tick was reading the pool: a stopping scaler changes nothing.
      record.notApplied = "scaler stopping";
      return record;
    }
    try {
      const operation = await driver.apply(decision, now);
      record.operationId = operation.id;
    } catch (error) {
      // Pulses stay queued, so the next tick tries again, unless it finds the change made after all.
      record.error = messageOf(error);
      this.unconfirmed = {
        direction: decision.direction,
        target: decision.targetSize,
        at: now,
        pulseIds: pulseIdsOf(signals),
      };
      this.fail(error, now);
    }
    return record;
  }

  /** The decision's metrics and its one log line. */
  private report(record: DecisionRecord, view: PoolView, signals: SignalState, now: number): void {
    const { store, logger, metrics, dryRun } = this.options;
    metrics.decisions.inc({ direction: record.direction, reason: record.reason });
    metrics.desiredSize.set(record.targetSize);
    const after = store.snapshot(now);
    metrics.assertedSignals.set({ direction: "up" }, after.up.length);
    metrics.assertedSignals.set({ direction: "down" }, after.down.length);
    logger.info("decision", {
      reason: record.reason,
      direction: record.direction,
      from: record.currentSize,
      to: record.targetSize,
      detail: record.detail,
      poolState: view.state,
      signalsUp: signals.up.length,
      signalsDown: signals.down.length,
      ...(record.victims !== undefined ? { victims: record.victims } : {}),
      ...(record.operationId !== undefined ? { operation: record.operationId } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.notApplied !== undefined ? { notApplied: record.notApplied } : {}),
      dryRun,
    });
  }
}
