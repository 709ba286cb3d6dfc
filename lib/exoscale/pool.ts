/** A pool together with its members, read through the ComputeApi. */
import type { ComputeApi, Instance, InstancePool } from "./types.js";

export interface PoolReading {
  pool: InstancePool;
  members: Instance[];
}

/**
 * Reads the pool and lists its members in parallel (two API calls, no ordering between them). When both
 * fail, the pool's error is the one thrown, whichever came first, so callers report failures the same way
 * every time.
 */
export async function readPool(api: Pick<ComputeApi, "getInstancePool" | "listPoolMembers">, poolId: string): Promise<PoolReading> {
  const [pool, members] = await Promise.allSettled([api.getInstancePool(poolId), api.listPoolMembers(poolId)]);
  if (pool.status === "rejected") throw pool.reason;
  if (members.status === "rejected") throw members.reason;
  return { pool: pool.value, members: members.value };
}
