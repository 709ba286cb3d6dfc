/**
 * The emulator's in-memory cloud: instance pools, their members and the operations that change them.
 * All time goes through an injected clock, so tests drive it with sinon fake timers or by hand.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { InstancePoolState, InstanceState, OperationState } from "../../lib/exoscale/types.js";
import type { OperationReason, WireInstance, WireInstancePool, WireOperation } from "../../lib/exoscale/wire.js";
import { LoopbackAllocator } from "./addresses.js";

export interface EmulatorClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Looks the globals up at call time, so sinon fake timers installed after start still apply. */
export const systemClock: EmulatorClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

export interface InstanceSnapshot {
  id: string;
  name: string;
  state: InstanceState;
  publicIp: string;
  createdAt: string;
  poolId: string;
}

export interface PoolSnapshot {
  id: string;
  name: string;
  size: number;
  state: InstancePoolState;
  /** Every current member, oldest first, including those being destroyed. */
  members: InstanceSnapshot[];
}

export interface OperationSnapshot {
  id: string;
  state: OperationState;
  reason?: OperationReason;
  message?: string;
  referenceId: string;
  command: string;
}

/**
 * Hooks for emulated members, passed through EmulatorOptions.hooks: each gets the member's snapshot (with its
 * loopback address) when it starts and when it is removed, so a caller can run or stop something on that
 * address. The emulator awaits `onInstanceStarted` before the member turns `running`; a rejection turns it to `error`.
 */
export interface InstanceHooks {
  onInstanceStarted?(instance: InstanceSnapshot): void | Promise<void>;
  onInstanceRemoved?(instance: InstanceSnapshot): void | Promise<void>;
}

export interface PoolSpec {
  size: number;
  name?: string;
  id?: string;
  instancePrefix?: string;
  labels?: Record<string, string>;
  /** Members of a new pool are `running` at once unless this says `starting` (then they boot). */
  initialState?: "running" | "starting";
}

export interface ModelOptions {
  clock: EmulatorClock;
  operationDelayMs: number;
  bootDelayMs: number;
  hooks?: InstanceHooks;
  /** Asked once per operation: should it end in failure? */
  shouldFailOperation: () => boolean;
}

interface Member {
  id: string;
  name: string;
  state: InstanceState;
  publicIp: string;
  createdAt: number;
  poolId: string;
  labels: Record<string, string>;
  bootTimer?: unknown;
  /** Set while an operation is removing the member. */
  removing?: string;
  /** Set while an operation is creating the member. */
  creating?: string;
}

interface Pool {
  id: string;
  name: string;
  size: number;
  instancePrefix: string;
  labels: Record<string, string>;
  memberIds: string[];
  pendingOps: Set<string>;
  lastDirection: "scaling-up" | "scaling-down" | undefined;
}

interface PendingOperation extends OperationSnapshot {
  previousSize: number;
}

export class ModelError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ModelError";
  }
}

const INSTANCE_TYPE_ID = "b6cd1ff5-3a2f-4e9d-a4d1-8988c1191fe8"; // standard.micro, for shape only
const TEMPLATE_ID = "ed6b3c5b-4d0e-4b1c-9b5e-2a7a3f4f3a11";

export class CloudModel {
  readonly events = new EventEmitter();
  private readonly pools = new Map<string, Pool>();
  private readonly members = new Map<string, Member>();
  private readonly operations = new Map<string, PendingOperation>();
  private readonly addresses = new LoopbackAllocator();
  private readonly timers = new Set<unknown>();
  private pendingHooks = 0;
  private closed = false;

  constructor(private readonly options: ModelOptions) {}

  createPool(spec: PoolSpec): PoolSnapshot {
    if (!Number.isInteger(spec.size) || spec.size < 0) throw new ModelError(400, "size must be a whole number ≥ 0");
    const id = spec.id ?? randomUUID();
    if (this.pools.has(id)) throw new ModelError(409, `instance pool ${id} already exists`);
    const pool: Pool = {
      id,
      name: spec.name ?? `pool-${id.slice(0, 8)}`,
      size: 0,
      instancePrefix: spec.instancePrefix ?? "pool",
      labels: { ...(spec.labels ?? {}) },
      memberIds: [],
      pendingOps: new Set(),
      lastDirection: undefined,
    };
    this.pools.set(id, pool);
    this.ensureCapacity(spec.size);
    for (let i = 0; i < spec.size; i += 1) this.addMember(pool, spec.initialState ?? "running", undefined);
    pool.size = spec.size;
    return this.snapshot(id);
  }

  snapshot(poolId: string): PoolSnapshot {
    const pool = this.requirePool(poolId);
    return {
      id: pool.id,
      name: pool.name,
      size: pool.size,
      state: this.poolState(pool),
      members: pool.memberIds.map((memberId) => this.memberSnapshot(this.members.get(memberId)!)),
    };
  }

  operation(id: string): OperationSnapshot | undefined {
    const op = this.operations.get(id);
    return op ? this.operationSnapshot(op) : undefined;
  }

  /** True when no operation, boot or hook is still in flight. */
  get idle(): boolean {
    const pendingOps = [...this.pools.values()].some((pool) => pool.pendingOps.size > 0);
    const booting = [...this.members.values()].some((member) => member.bootTimer !== undefined);
    return !pendingOps && !booting && this.pendingHooks === 0;
  }

  // ---- API operations ------------------------------------------------------------------------------------

  listPools(): WireInstancePool[] {
    return [...this.pools.values()].map((pool) => this.wirePool(pool));
  }

  getPool(id: string): WireInstancePool {
    return this.wirePool(this.requirePool(id));
  }

  listInstances(filter: { managerId?: string }): WireInstance[] {
    return [...this.members.values()]
      .filter((member) => filter.managerId === undefined || member.poolId === filter.managerId)
      .map((member) => this.wireInstance(member));
  }

  getInstance(id: string): WireInstance {
    const member = this.members.get(id);
    if (!member) throw new ModelError(404, `instance ${id} not found`);
    return this.wireInstance(member);
  }

  getOperation(id: string): WireOperation {
    const op = this.operations.get(id);
    if (!op) throw new ModelError(404, `operation ${id} not found`);
    return this.wireOperation(op);
  }

  scale(poolId: string, size: number): WireOperation {
    const pool = this.requirePool(poolId);
    const live = this.liveMembers(pool);
    // Refuse before anything changes: a refused scale must leave no pending operation behind.
    if (size > live.length) this.ensureCapacity(size - live.length);
    const op = this.startOperation(pool, "scale-instance-pool");
    if (size > live.length) {
      for (let i = live.length; i < size; i += 1) this.addMember(pool, "starting", op.id);
      pool.lastDirection = "scaling-up";
    } else if (size < live.length) {
      // Exoscale removes the oldest members first on a plain scale-down.
      const victims = [...live].sort((a, b) => a.createdAt - b.createdAt).slice(0, live.length - size);
      for (const victim of victims) this.markRemoving(victim, op.id);
      pool.lastDirection = "scaling-down";
    }
    pool.size = size;
    this.scheduleCompletion(op);
    return this.wireOperation(op);
  }

  evict(poolId: string, instanceIds: string[]): WireOperation {
    const pool = this.requirePool(poolId);
    const unique = [...new Set(instanceIds)];
    const live = new Set(this.liveMembers(pool).map((member) => member.id));
    const strangers = unique.filter((id) => !live.has(id));
    if (strangers.length > 0) {
      throw new ModelError(404, `instance(s) ${strangers.join(", ")} not found in instance pool ${poolId}`);
    }
    const op = this.startOperation(pool, "evict-instance-pool-members");
    for (const id of unique) this.markRemoving(this.members.get(id)!, op.id);
    pool.size -= unique.length;
    pool.lastDirection = "scaling-down";
    this.scheduleCompletion(op);
    return this.wireOperation(op);
  }

  /** Cancels every timer; members still present get their removal hook. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) this.options.clock.clearTimeout(timer);
    this.timers.clear();
    const removals: Promise<void>[] = [];
    for (const member of this.members.values()) {
      member.bootTimer = undefined;
      removals.push(this.runHook("onInstanceRemoved", member));
    }
    await Promise.all(removals);
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private requirePool(id: string): Pool {
    const pool = this.pools.get(id);
    if (!pool) throw new ModelError(404, `instance pool ${id} not found`);
    return pool;
  }

  private liveMembers(pool: Pool): Member[] {
    return pool.memberIds.map((id) => this.members.get(id)!).filter((member) => member.removing === undefined);
  }

  private poolState(pool: Pool): InstancePoolState {
    return pool.pendingOps.size > 0 ? (pool.lastDirection ?? "updating") : "running";
  }

  private ensureCapacity(extra: number): void {
    if (extra > this.addresses.free) {
      throw new ModelError(400, `the emulator has only ${this.addresses.free} free loopback addresses, ${extra} requested`);
    }
  }

  private later(ms: number, callback: () => void): unknown {
    const handle = this.options.clock.setTimeout(() => {
      this.timers.delete(handle);
      if (!this.closed) callback();
    }, ms);
    this.timers.add(handle);
    return handle;
  }

  private addMember(pool: Pool, state: "running" | "starting", creatingOp: string | undefined): Member {
    const id = randomUUID();
    const member: Member = {
      id,
      name: `${pool.instancePrefix}-${randomBytes(3).toString("hex").slice(0, 5)}-${randomBytes(3).toString("hex").slice(0, 5)}`,
      state: "starting",
      publicIp: this.addresses.allocate()!,
      createdAt: this.options.clock.now(),
      poolId: pool.id,
      labels: { ...pool.labels },
      ...(creatingOp ? { creating: creatingOp } : {}),
    };
    this.members.set(id, member);
    pool.memberIds.push(id);
    const hooked = this.runHook("onInstanceStarted", member);
    if (state === "running") {
      member.state = "running";
      this.emitInstance(member);
      return member;
    }
    this.emitInstance(member);
    member.bootTimer = this.later(this.options.bootDelayMs, () => {
      void hooked.then(() => {
        if (!this.members.has(id) || member.removing !== undefined) return;
        member.bootTimer = undefined;
        if (member.state === "starting") member.state = "running";
        this.emitInstance(member);
      });
    });
    return member;
  }

  private markRemoving(member: Member, opId: string): void {
    member.removing = opId;
    this.cancelBoot(member);
    member.state = "destroying";
    this.emitInstance(member);
  }

  /** Stops a member's pending boot, if any, so it never turns `running`. */
  private cancelBoot(member: Member): void {
    if (member.bootTimer === undefined) return;
    this.options.clock.clearTimeout(member.bootTimer);
    this.timers.delete(member.bootTimer);
    member.bootTimer = undefined;
  }

  private removeMember(member: Member): void {
    const pool = this.pools.get(member.poolId);
    if (pool) pool.memberIds = pool.memberIds.filter((id) => id !== member.id);
    this.cancelBoot(member);
    this.members.delete(member.id);
    this.addresses.release(member.publicIp);
    member.state = "destroyed";
    this.emitInstance(member);
    void this.runHook("onInstanceRemoved", member);
  }

  private startOperation(pool: Pool, command: string): PendingOperation {
    const op: PendingOperation = {
      id: randomUUID(),
      state: "pending",
      referenceId: pool.id,
      command,
      previousSize: pool.size,
    };
    this.operations.set(op.id, op);
    pool.pendingOps.add(op.id);
    return op;
  }

  private scheduleCompletion(op: PendingOperation): void {
    this.later(this.options.operationDelayMs, () => this.finishOperation(op));
  }

  private finishOperation(op: PendingOperation): void {
    const pool = this.pools.get(op.referenceId);
    const failed = this.options.shouldFailOperation();
    const touched = [...this.members.values()].filter((m) => m.removing === op.id || m.creating === op.id);
    if (failed) {
      // Roll the pool back to where it was, as if the orchestrator gave up before changing anything.
      for (const member of touched) {
        if (member.creating === op.id) this.removeMember(member);
        else {
          delete member.removing;
          member.state = "running";
          this.emitInstance(member);
        }
      }
      if (pool) pool.size = op.previousSize;
      op.state = "failure";
      op.reason = "fault";
      op.message = "emulated operation failure (fault injection)";
    } else {
      for (const member of touched) {
        if (member.removing === op.id) this.removeMember(member);
        else delete member.creating;
      }
      op.state = "success";
    }
    pool?.pendingOps.delete(op.id);
    this.events.emit("operation", this.operationSnapshot(op));
  }

  private async runHook(name: keyof InstanceHooks, member: Member): Promise<void> {
    const hook = this.options.hooks?.[name];
    if (!hook) return;
    this.pendingHooks += 1;
    try {
      await hook.call(this.options.hooks, this.memberSnapshot(member));
    } catch (error) {
      if (name === "onInstanceStarted" && this.members.has(member.id)) {
        member.state = "error";
        this.emitInstance(member);
      }
      this.events.emit("hook-error", { hook: name, instanceId: member.id, error });
    } finally {
      this.pendingHooks -= 1;
    }
  }

  private emitInstance(member: Member): void {
    this.events.emit("instance", this.memberSnapshot(member));
  }

  private memberSnapshot(member: Member): InstanceSnapshot {
    return {
      id: member.id,
      name: member.name,
      state: member.state,
      publicIp: member.publicIp,
      createdAt: new Date(member.createdAt).toISOString(),
      poolId: member.poolId,
    };
  }

  private operationSnapshot(op: PendingOperation): OperationSnapshot {
    const { previousSize: _previous, ...snapshot } = op;
    return { ...snapshot };
  }

  private wirePool(pool: Pool): WireInstancePool {
    return {
      id: pool.id,
      name: pool.name,
      size: pool.size,
      state: this.poolState(pool),
      instances: pool.memberIds.map((id) => ({ id })),
      "instance-type": { id: INSTANCE_TYPE_ID },
      template: { id: TEMPLATE_ID },
      "disk-size": 10,
      "security-groups": [],
      "instance-prefix": pool.instancePrefix,
      "ipv6-enabled": false,
      "public-ip-assignment": "inet4",
      labels: { ...pool.labels },
    };
  }

  private wireInstance(member: Member): WireInstance {
    return {
      id: member.id,
      name: member.name,
      state: member.state,
      "public-ip": member.publicIp,
      "created-at": new Date(member.createdAt).toISOString(),
      "instance-type": { id: INSTANCE_TYPE_ID },
      template: { id: TEMPLATE_ID },
      "security-groups": [],
      manager: { id: member.poolId, type: "instance-pool" },
      labels: { ...member.labels },
      "public-ip-assignment": "inet4",
    };
  }

  private wireOperation(op: PendingOperation): WireOperation {
    const wire: WireOperation = {
      id: op.id,
      state: op.state,
      reference: { id: op.referenceId, link: `/v2/instance-pool/${op.referenceId}`, command: op.command },
    };
    if (op.reason) wire.reason = op.reason;
    if (op.message) wire.message = op.message;
    return wire;
  }
}
