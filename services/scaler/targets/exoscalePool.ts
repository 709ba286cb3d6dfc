/**
 * The Exoscale instance pool as a scale target: observed through the API (pool and members read in
 * parallel), changed with `:scale` or `:evict`. It remembers its own change until the API says how it
 * ended, and a change whose call failed until the pool's size shows whether it was made after all, so
 * the loop never stacks a second change on the first nor steps twice for one signal.
 */
import { ExoscaleNotFoundError } from "../../../lib/exoscale/errors.js";
import { readPool } from "../../../lib/exoscale/pool.js";
import type { ComputeApi, Instance, InstanceState, Operation } from "../../../lib/exoscale/types.js";
import { messageOf } from "../../../lib/shared/errors.js";
import { isRecord } from "../../../lib/shared/json.js";
import type { Logger } from "../../../lib/shared/log.js";
import type { Decision } from "../policy/decide.js";
import { TargetError, type AppliedChange, type Observation, type ScaleTarget, type SettledChange, type TargetMember } from "../target.js";

/** The API calls this target makes. */
export type PoolApi = Pick<
  ComputeApi,
  "getInstancePool" | "listPoolMembers" | "scaleInstancePool" | "evictInstancePoolMembers" | "getOperation"
>;

export interface ExoscalePoolOptions {
  /** Stop waiting for an operation still pending after this long (ms); the pool's size then tells. */
  maxPendingMs?: number;
  /** For the description, e.g. "at-vie-1". */
  zone?: string;
  /**
   * Awaited after a change is recorded and before the API is called (the state file is written then), so
   * a process that dies mid-call still knows, when it starts again, that the change may have been made.
   */
  beforeChange?: () => Promise<void>;
}

/** What the target remembers across restarts. */
export interface ExoscalePoolState {
  lastChangeAt?: number;
  change?: Change;
}

/** Members on their way out: not counted, not chosen to leave. */
const LEAVING: ReadonlySet<InstanceState> = new Set(["destroying", "destroyed", "expunging"]);

export interface Change {
  decision: Decision;
  startedAt: number;
  /** Our last change before this one, restored if this one fails. */
  previousChangeAt?: number;
  /** The operation to wait for; undefined once only the pool's size can say whether it was made. */
  operationId?: string;
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new TargetError(operation, error);
  }
}

function isDecision(value: unknown): value is Decision {
  if (!isRecord(value)) return false;
  const { direction, currentSize, targetSize, victims, consumes } = value;
  return (
    (direction === "up" || direction === "down") &&
    Number.isInteger(currentSize) &&
    Number.isInteger(targetSize) &&
    (victims === undefined || (Array.isArray(victims) && victims.every((v) => typeof v === "string"))) &&
    Array.isArray(consumes) &&
    consumes.every((id) => typeof id === "number") &&
    typeof value["reason"] === "string" &&
    typeof value["detail"] === "string" &&
    typeof value["evaluated"] === "boolean"
  );
}

function isChange(value: unknown): value is Change {
  if (!isRecord(value)) return false;
  const { decision, startedAt, previousChangeAt, operationId } = value;
  return (
    isDecision(decision) &&
    typeof startedAt === "number" &&
    (previousChangeAt === undefined || typeof previousChangeAt === "number") &&
    (operationId === undefined || typeof operationId === "string")
  );
}

function memberOf(instance: Instance): TargetMember {
  return { id: instance.id, createdAt: Date.parse(instance.createdAt), serving: instance.state === "running" };
}

function operationFailure(operation: Operation): string {
  return `operation ${operation.id} ended in ${operation.state}${operation.reason ? ` (${operation.reason})` : ""}${operation.message ? `: ${operation.message}` : ""}`;
}

export class ExoscalePoolTarget implements ScaleTarget {
  readonly description: string;
  private change?: Change;
  private lastChangeAt?: number;
  /** Judged changes not yet handed to the loop (an observation that failed half-way keeps them). */
  private unreported: SettledChange[] = [];
  private readonly maxPendingMs: number;

  constructor(
    private readonly api: PoolApi,
    private readonly poolId: string,
    private readonly logger: Logger,
    private readonly options: ExoscalePoolOptions = {},
  ) {
    this.maxPendingMs = options.maxPendingMs ?? 15 * 60_000;
    this.description = `instance pool ${poolId}${options.zone ? ` in ${options.zone}` : ""}`;
  }

  async observe(now: number): Promise<Observation> {
    const pending = await this.followOperation(now);
    const { pool, members } = await readPool(
      {
        getInstancePool: (id) => call("get-instance-pool", () => this.api.getInstancePool(id)),
        listPoolMembers: (id) => call("list-instances", () => this.api.listPoolMembers(id)),
      },
      this.poolId,
    );
    if (!pending && pool.state === "running" && this.change !== undefined && this.change.operationId === undefined) {
      this.judgeBySize(pool.size);
    }
    const busy = pending ? "operation pending" : pool.state !== "running" ? pool.state : undefined;
    const settled = this.unreported;
    this.unreported = [];
    return {
      view: {
        size: pool.size,
        ...(busy !== undefined ? { busy } : {}),
        members: members.filter((m) => !LEAVING.has(m.state)).map(memberOf),
        ...(this.lastChangeAt !== undefined ? { lastChangeAt: this.lastChangeAt } : {}),
      },
      settled,
    };
  }

  async apply(decision: Decision, now: number): Promise<AppliedChange> {
    if (decision.direction === "none") throw new Error("nothing to apply");
    const victims = decision.victims ?? [];
    const operation = victims.length > 0 ? "evict-instance-pool-members" : "scale-instance-pool";
    const previousChangeAt = this.lastChangeAt;
    // Remembered before the call: if the call fails, or the process dies during it, the API may have acted
    // all the same (a client timeout does not stop the server), and the pool's size will tell.
    const change: Change = { decision, startedAt: now, ...(previousChangeAt !== undefined ? { previousChangeAt } : {}) };
    this.change = change;
    await this.options.beforeChange?.();
    let answer: Operation;
    try {
      answer =
        victims.length > 0
          ? await this.api.evictInstancePoolMembers(this.poolId, victims)
          : await this.api.scaleInstancePool(this.poolId, decision.targetSize);
    } catch (error) {
      throw new TargetError(operation, error);
    }
    if (answer.state === "failure" || answer.state === "timeout") {
      // Refused outright: nothing changed, so the signals behind it still ask for it.
      this.change = undefined;
      throw new TargetError(operation, new Error(operationFailure(answer)));
    }
    this.lastChangeAt = now;
    if (answer.state !== "pending") {
      this.change = undefined;
      return { id: answer.id, done: true };
    }
    change.operationId = answer.id;
    return { id: answer.id, done: false };
  }

  exportState(): ExoscalePoolState {
    return {
      ...(this.lastChangeAt !== undefined ? { lastChangeAt: this.lastChangeAt } : {}),
      ...(this.change !== undefined ? { change: { ...this.change } } : {}),
    };
  }

  importState(state: unknown): boolean {
    if (!isRecord(state)) return false;
    const { lastChangeAt, change } = state;
    if (lastChangeAt !== undefined && typeof lastChangeAt !== "number") return false;
    if (change !== undefined && !isChange(change)) return false;
    this.lastChangeAt = lastChangeAt;
    this.change = change;
    return true;
  }

  /** Whether our operation still runs; settles it when it has ended. */
  private async followOperation(now: number): Promise<boolean> {
    const change = this.change;
    if (change?.operationId === undefined) return false;
    const id = change.operationId;
    const overdue = now - change.startedAt >= this.maxPendingMs;
    const pendingSeconds = Math.round((now - change.startedAt) / 1000);
    let operation: Operation;
    try {
      operation = await this.api.getOperation(id);
    } catch (error) {
      // An API that no longer knows the id (restarted, or operations expired) will never know it again;
      // any other error is worth retrying until we have waited long enough anyway.
      if (error instanceof ExoscaleNotFoundError) {
        this.logger.warn("pending operation not known to the API any more, judging by the pool's size", { operation: id, pendingSeconds });
      } else if (overdue) {
        this.logger.warn("cannot read the pending operation, no longer waiting for it", {
          operation: id,
          pendingSeconds,
          error: messageOf(error),
        });
      } else {
        throw new TargetError("get-operation", error);
      }
      delete change.operationId;
      return false;
    }
    if (operation.state === "pending") {
      if (!overdue) return true;
      this.logger.warn("operation still pending, no longer waiting for it", { operation: id, pendingSeconds });
      delete change.operationId;
      return false;
    }
    this.change = undefined;
    if (operation.state === "success") {
      this.settle(change, "succeeded", `operation ${id} succeeded`);
    } else {
      this.lastChangeAt = change.previousChangeAt;
      this.settle(change, "failed", operationFailure(operation));
    }
    return false;
  }

  /** A change whose outcome the API cannot tell: did the pool reach the size it asked for? */
  private judgeBySize(size: number): void {
    const change = this.change!;
    this.change = undefined;
    const { direction, targetSize } = change.decision;
    const reached = direction === "up" ? size >= targetSize : size <= targetSize;
    if (reached) {
      this.lastChangeAt = Math.max(this.lastChangeAt ?? change.startedAt, change.startedAt);
      this.settle(change, "made after all", `the pool is at ${size}: the scale ${direction} to ${targetSize} was made after all`);
    } else {
      this.lastChangeAt = change.previousChangeAt;
      this.settle(change, "not made", `the pool is at ${size}: the scale ${direction} to ${targetSize} was not made`);
    }
  }

  private settle(change: Change, outcome: SettledChange["outcome"], detail: string): void {
    this.unreported.push({ decision: change.decision, outcome, detail, startedAt: change.startedAt });
  }
}
