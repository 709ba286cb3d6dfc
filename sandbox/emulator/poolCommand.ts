/** The pool command's parsing and actions (pool.ts is the entry). */
import { assertOperationSucceeded } from "../../lib/exoscale/client.js";
import { readPool } from "../../lib/exoscale/pool.js";
import type { ComputeApi } from "../../lib/exoscale/types.js";
import { ConfigError } from "../../lib/shared/env.js";

export type PoolCommand = { action: "show" } | { action: "scale"; size: number } | { action: "evict"; instanceIds: string[] };

const USAGE = "usage: npm run pool -- show | scale <size> | evict <instance-id> [<instance-id> ...]";

/** Pure: argv → command, or ConfigError. */
export function parsePoolCommand(argv: string[]): PoolCommand {
  const [action, ...rest] = argv;
  if (action === "show" && rest.length === 0) return { action: "show" };
  if (action === "scale" && rest.length === 1 && /^\d+$/.test(rest[0]!)) return { action: "scale", size: Number(rest[0]) };
  if (action === "evict" && rest.length > 0) return { action: "evict", instanceIds: rest };
  throw new ConfigError([USAGE]);
}

/** Runs one command and prints what the pool looks like afterwards. */
export async function runPoolCommand(api: ComputeApi, poolId: string, command: PoolCommand, out: (line: string) => void): Promise<void> {
  if (command.action !== "show") {
    const operation =
      command.action === "scale"
        ? await api.scaleInstancePool(poolId, command.size)
        : await api.evictInstancePoolMembers(poolId, command.instanceIds);
    out(`operation ${operation.id}: ${operation.state}`);
    const done = assertOperationSucceeded(await api.waitForOperation(operation.id, { intervalMs: 500, timeoutMs: 120_000 }));
    out(`operation ${done.id}: ${done.state}`);
  }
  const { pool, members } = await readPool(api, poolId);
  out(`pool ${pool.id} (${pool.name}): size ${pool.size}, ${pool.state}`);
  for (const member of members.sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    out(`  ${member.id}  ${member.publicIp ?? "-"}  ${member.state}  ${member.name}`);
  }
}
