/**
 * The pool driver: reads the pool as the API sees it and turns a Decision into `:scale` or `:evict`,
 * remembering its own pending operation so the loop never stacks a second change on the first.
 */
import { ExoscaleNotFoundError } from "../../lib/exoscale/errors.js";
import type { ComputeApi, Operation } from "../../lib/exoscale/types.js";
import { messageOf } from "../../lib/shared/errors.js";
import type { Logger } from "../../lib/shared/log.js";
import type { Decision, PoolView } from "./policy.js";

/** A failed API call, named by the operation so logs and metrics say which one. */
export class ApiCallError extends Error {
  constructor(
    public readonly operation: string,
    public readonly cause: unknown,
  ) {
    super(`${operation} failed: ${messageOf(cause)}`);
    this.name = "ApiCallError";
  }
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new ApiCallError(operation, error);
  }
}

export interface DriverOptions {
  /** Forget an operation still pending after this long (ms): the pool state then speaks for itself. */
  maxPendingMs?: number;
}

export class PoolDriver {
  private pending?: { id: string; since: number };
  private lastChangeAt?: number;
  private readonly maxPendingMs: number;

  constructor(
    private readonly api: ComputeApi,
    private readonly poolId: string,
    private readonly logger: Logger,
    options: DriverOptions = {},
  ) {
    this.maxPendingMs = options.maxPendingMs ?? 15 * 60_000;
  }

  /**
   * Whether our last operation still runs. Once it is forgotten, the pool's own `state` says whether the
   * pool is busy (the policy skips while it is not `running`), so forgetting never stacks changes.
   */
  private async operationPending(now: number): Promise<boolean> {
    if (this.pending === undefined) return false;
    const { id, since } = this.pending;
    const overdue = now - since >= this.maxPendingMs;
    const pendingSeconds = Math.round((now - since) / 1000);
    let operation: Operation;
    try {
      operation = await this.api.getOperation(id);
    } catch (error) {
      // An API that no longer knows the id (restarted, or operations expired) will never know it again;
      // any other error is worth retrying until we have waited long enough anyway.
      if (error instanceof ExoscaleNotFoundError) {
        this.logger.warn("pending operation not known to the API any more, trusting the pool state", { operation: id, pendingSeconds });
      } else if (overdue) {
        this.logger.warn("cannot read the pending operation, no longer waiting for it", {
          operation: id,
          pendingSeconds,
          error: messageOf(error),
        });
      } else {
        throw new ApiCallError("get-operation", error);
      }
      this.pending = undefined;
      return false;
    }
    if (operation.state === "pending") {
      if (!overdue) return true;
      this.logger.warn("operation still pending, no longer waiting for it", { operation: id, pendingSeconds });
    } else if (operation.state !== "success") {
      this.logger.warn("scale operation did not succeed", {
        operation: id,
        state: operation.state,
        reason: operation.reason,
        message: operation.message,
      });
    }
    this.pending = undefined;
    return false;
  }

  /** The pool's real size, state and members; throws ApiCallError when the API cannot tell. */
  async observe(now: number): Promise<PoolView> {
    const operationPending = await this.operationPending(now);
    const pool = await call("get-instance-pool", () => this.api.getInstancePool(this.poolId));
    const members = await call("list-instances", () => this.api.listPoolMembers(this.poolId));
    return {
      size: pool.size,
      state: pool.state,
      members: members.map((m) => ({ id: m.id, createdAt: Date.parse(m.createdAt), state: m.state })),
      operationPending,
      ...(this.lastChangeAt !== undefined ? { lastChangeAt: this.lastChangeAt } : {}),
    };
  }

  /** Records a change made outside apply() (a failed call the API carried out after all), for cooldowns. */
  noteChange(at: number): void {
    this.lastChangeAt = Math.max(this.lastChangeAt ?? at, at);
  }

  /** Applies a scale decision; a decision with direction "none" is not for the driver. */
  async apply(decision: Decision, now: number): Promise<Operation> {
    if (decision.direction === "none") throw new Error("nothing to apply");
    const operation =
      decision.victims !== undefined && decision.victims.length > 0
        ? await call("evict-instance-pool-members", () => this.api.evictInstancePoolMembers(this.poolId, decision.victims!))
        : await call("scale-instance-pool", () => this.api.scaleInstancePool(this.poolId, decision.targetSize));
    this.lastChangeAt = now;
    if (operation.state === "pending") this.pending = { id: operation.id, since: now };
    return operation;
  }
}
