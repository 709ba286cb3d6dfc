/**
 * The decision loop: every tick it reads the pool, asks the policy, applies the decision (unless
 * dry-run), logs one line with the reason and updates the metrics. An API failure costs one tick,
 * never the loop.
 */
import { EventEmitter } from "node:events";
import { messageOf } from "../../lib/shared/errors.js";
import type { Logger } from "../../lib/shared/log.js";
import type { ScalerMetrics } from "./metrics.js";
import { decide, type Decision } from "./policy/decide.js";
import type { PolicyOptions } from "./policy/options.js";
import type { SignalState, SignalStore } from "./signalStore.js";
import { TargetError, type ScaleTarget, type SettledChange, type TargetView } from "./target.js";

export interface LoopOptions {
  target: ScaleTarget;
  store: SignalStore;
  policy: PolicyOptions;
  tickMs: number;
  dryRun: boolean;
  logger: Logger;
  metrics: ScalerMetrics;
  now?: () => number;
  /** Awaited at the end of every tick that read the target (the state file is written then). */
  persist?: () => Promise<void>;
  /** How long stop() waits for a change in flight before giving up on it (default 1000 ms). */
  stopWaitMs?: number;
}

export interface DecisionRecord extends Decision {
  at: string;
  dryRun: boolean;
  /** The target's id for the change started for it, if any (an operation id). */
  changeId?: string;
  /** Why it could not be applied, if the target refused or the call failed. */
  error?: string;
  /** Why it was not even tried (the scaler was stopping). */
  notApplied?: string;
}

export interface LoopStatus {
  target?: TargetView & { readAt: string };
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
  private running?: Promise<unknown>;
  private stopped = true;
  /** Set by stop(): a tick in flight must not change the pool any more. */
  private stopRequested = false;
  private nextTickAt?: number;
  /** The decision whose change is being sent to the target right now. */
  private inFlight?: Decision;
  private lastView?: TargetView & { readAt: string };
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
        void this.tick()
          .then((record) => {
            this.events.emit("tick", record);
          })
          .finally(() => {
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
    const running = this.running;
    if (running === undefined) return;
    // A change already sent cannot be called back: wait for its answer, but not past the stop budget.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), this.options.stopWaitMs ?? 1000);
    });
    const late = await Promise.race([running.then(() => false as const), gaveUp]);
    clearTimeout(timer);
    const inFlight = this.inFlight;
    if (late && inFlight !== undefined) {
      this.options.logger.warn("stopping with a change in flight; its outcome is unknown", {
        direction: inFlight.direction,
        from: inFlight.currentSize,
        to: inFlight.targetSize,
        hint: "the change was recorded before it was sent: with STATE_FILE set, the next start judges it from the pool's size",
      });
    }
  }

  /** When the next tick is due (ISO), for each webhook's answer: cheaper than the whole status. */
  nextTickIso(): string | undefined {
    return this.nextTickAt !== undefined ? new Date(this.nextTickAt).toISOString() : undefined;
  }

  status(): LoopStatus {
    return {
      ...(this.lastView !== undefined ? { target: this.lastView } : {}),
      ...(this.lastDecision !== undefined ? { lastDecision: this.lastDecision } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.nextTickAt !== undefined ? { nextTickAt: this.nextTickIso() } : {}),
      tickSeconds: this.options.tickMs / 1000,
      dryRun: this.options.dryRun,
    };
  }

  private fail(error: unknown, now: number): void {
    const { logger, metrics } = this.options;
    const operation = error instanceof TargetError ? error.operation : "internal";
    metrics.apiErrors.inc({ operation });
    const message = messageOf(error);
    this.lastError = { at: new Date(now).toISOString(), message };
    logger.error("tick failed, will retry next tick", { operation, error: message });
  }

  /** One pass of read → decide → apply → explain. Never throws. */
  async tick(): Promise<DecisionRecord | undefined> {
    // Tracked, scheduled or not, so stop() can wait for whatever tick is under way.
    const run = this.evaluate(this.now()).finally(() => {
      this.options.metrics.ticks.inc();
      this.options.metrics.lastTick.set(this.now() / 1000);
    });
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async evaluate(now: number): Promise<DecisionRecord | undefined> {
    const { target, store, policy, metrics } = this.options;
    let observation;
    try {
      observation = await target.observe(now);
    } catch (error) {
      this.fail(error, now);
      return undefined;
    }
    // Settle first: a change that is done has used up its signals, which must not count again below.
    for (const change of observation.settled) this.settle(change);
    const { view } = observation;
    this.lastView = { ...view, readAt: new Date(now).toISOString() };
    metrics.poolSize.set(view.size);
    const signals = store.snapshot(now);
    const decision = decide(view, signals, policy, now);
    const record = await this.applyDecision(decision, now);
    this.lastDecision = record;
    this.report(record, view, signals, now);
    await this.options.persist?.();
    return record;
  }

  /** A change the target reports as ended: its signals are used up only if it was made. */
  private settle(change: SettledChange): void {
    const { store, logger, metrics } = this.options;
    const made = change.outcome === "succeeded" || change.outcome === "made after all";
    if (made) store.consumePulses(new Set(change.decision.consumes));
    metrics.changes.inc({ outcome: change.outcome });
    const fields = {
      outcome: change.outcome,
      direction: change.decision.direction,
      from: change.decision.currentSize,
      to: change.decision.targetSize,
      detail: change.detail,
      startedAt: new Date(change.startedAt).toISOString(),
      signals: made ? "used up" : "kept for the next tick",
    };
    if (made) logger.info("change settled", fields);
    else logger.warn("change not made", fields);
  }

  /**
   * Carries out a decision (unless none, dry-run or stopping). Pulses are used up when the decision needs
   * no change or the change is done; a change still running is settled by the target later, and a failed
   * one keeps them for the next tick.
   */
  private async applyDecision(decision: Decision, now: number): Promise<DecisionRecord> {
    const { target, store, dryRun } = this.options;
    const record: DecisionRecord = { ...decision, at: new Date(now).toISOString(), dryRun };
    const consume = (): void => store.consumePulses(new Set(decision.consumes));
    if (decision.direction === "none" || dryRun) {
      consume();
      return record;
    }
    if (this.stopRequested) {
      // Stopped while this tick was reading the target: a stopping scaler changes nothing.
      record.notApplied = "scaler stopping";
      return record;
    }
    // Said before the call: if the process is stopped during it, the log still shows what was sent.
    this.options.logger.info("applying", {
      direction: decision.direction,
      from: decision.currentSize,
      to: decision.targetSize,
      target: target.description,
      ...(decision.victims !== undefined ? { victims: decision.victims } : {}),
    });
    this.inFlight = decision;
    try {
      const applied = await target.apply(decision, now);
      if (applied.id !== undefined) record.changeId = applied.id;
      if (applied.done) consume();
    } catch (error) {
      record.error = messageOf(error);
      this.fail(error, now);
    } finally {
      this.inFlight = undefined;
    }
    return record;
  }

  /** The decision's metrics and its one log line. */
  private report(record: DecisionRecord, view: TargetView, signals: SignalState, now: number): void {
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
      ...(view.busy !== undefined ? { busy: view.busy } : {}),
      signalsUp: signals.up.length,
      signalsDown: signals.down.length,
      ...(record.victims !== undefined ? { victims: record.victims } : {}),
      ...(record.changeId !== undefined ? { change: record.changeId } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.notApplied !== undefined ? { notApplied: record.notApplied } : {}),
      dryRun,
    });
  }
}
