/** A pool together with its members, read through the ComputeApi. */
import type { ComputeApi, Instance, InstancePool } from "./types.js";

export interface PoolReading {
  pool: InstancePool;
  members: Instance[];
}

/** Reads the pool and lists its members in parallel (two API calls, no ordering between them). */
export async function readPool(api: ComputeApi, poolId: string): Promise<PoolReading> {
  const [pool, members] = await Promise.all([api.getInstancePool(poolId), api.listPoolMembers(poolId)]);
  return { pool, members };
}
