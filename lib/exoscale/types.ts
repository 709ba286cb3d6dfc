/**
 * The slice of Exoscale's compute API v2 that our services use, in camelCase domain form.
 * The client maps the API's kebab-case JSON to these shapes; the emulator serves the kebab-case form.
 */
export type InstancePoolState = "creating" | "running" | "scaling-up" | "scaling-down" | "updating" | "destroying" | "suspended";

export type InstanceState =
  "starting" | "running" | "stopping" | "stopped" | "migrating" | "error" | "destroying" | "destroyed" | "expunging";

export type OperationState = "pending" | "success" | "failure" | "timeout";

export interface InstancePool {
  id: string;
  name: string;
  size: number;
  state: InstancePoolState;
  /** Member ids only: the API returns references here, without addresses. */
  instanceIds: string[];
  labels: Record<string, string>;
}

export interface Instance {
  id: string;
  name: string;
  state: InstanceState;
  /** Public IPv4; absent while an instance is still being given one. */
  publicIp?: string;
  /** ISO-8601 creation time, used for warm-up and cooldown so they survive restarts. */
  createdAt: string;
  /** Set when an instance pool manages the instance. */
  managerId?: string;
  labels: Record<string, string>;
}

export interface Operation {
  id: string;
  state: OperationState;
  reason?: string;
  message?: string;
  /** The resource the operation acts on. */
  referenceId?: string;
}

export interface WaitOptions {
  /** Give up after this long (ms); the operation may still finish later. */
  timeoutMs?: number;
  /** Delay between polls (ms). */
  intervalMs?: number;
}

/**
 * What the SD agent, the scaler and the sandbox pool command call, and nothing more (the services' IAM role
 * grants exactly these operations); the client implements it against API v2.
 */
export interface ComputeApi {
  getInstancePool(poolId: string): Promise<InstancePool>;
  /** Every member of a pool in one call: GET /instance?manager-id=…&manager-type=instance-pool */
  listPoolMembers(poolId: string): Promise<Instance[]>;
  scaleInstancePool(poolId: string, size: number): Promise<Operation>;
  /** Removes the given members and shrinks the pool by their number. */
  evictInstancePoolMembers(poolId: string, instanceIds: string[]): Promise<Operation>;
  getOperation(operationId: string): Promise<Operation>;
  /** Polls until the operation leaves `pending` or the wait times out. */
  waitForOperation(operationId: string, options?: WaitOptions): Promise<Operation>;
}
