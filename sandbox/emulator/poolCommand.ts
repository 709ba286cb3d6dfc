/** The pool command's parsing and actions (pool.ts is the entry). */
import { assertOperationSucceeded } from "../../lib/exoscale/client.js";
import { readPool } from "../../lib/exoscale/pool.js";
import type { ComputeApi } from "../../lib/exoscale/types.js";
import { ConfigError } from "../../lib/shared/env.js";

export type PoolCommand =
  { action: "help" } | { action: "show" } | { action: "scale"; size: number } | { action: "evict"; instanceIds: string[] };

export const USAGE = "usage: npm run pool -- show | scale <size> | evict <instance-id> [<instance-id> ...]";

/** What --help prints. */
export const HELP = [
  USAGE,
  "",
  "  show                 the pool's size and state, and each member's id, address and state",
  "  scale <size>         set the pool's size, wait for the operation, then show the pool",
  "  evict <id> [<id>…]   remove these members (the pool shrinks by their number), wait, then show the pool",
  "",
  "Reads EXOSCALE_KEY, EXOSCALE_SECRET, EXOSCALE_ZONE, EXOSCALE_INSTANCEPOOL_ID and, for the emulator,",
  "EXOSCALE_API_ENDPOINT (e.g. http://127.0.0.1:8081/v2), as the services do. Exit 2 on bad input, 1 on API errors.",
].join("\n");

/** Pure: argv → command, or ConfigError. `--help` or `-h` anywhere asks for the usage. */
export function parsePoolCommand(argv: string[]): PoolCommand {
  if (argv.includes("--help") || argv.includes("-h")) return { action: "help" };
  const [action, ...rest] = argv;
  if (action === "show" && rest.length === 0) return { action: "show" };
  if (action === "scale" && rest.length === 1 && /^\d+$/.test(rest[0]!)) return { action: "scale", size: Number(rest[0]) };
  if (action === "evict" && rest.length > 0) return { action: "evict", instanceIds: rest };
  throw new ConfigError([USAGE]);
}

/** Runs one command and prints what the pool looks like afterwards. */
export async function runPoolCommand(
  api: ComputeApi,
  poolId: string,
  command: Exclude<PoolCommand, { action: "help" }>,
  out: (line: string) => void,
): Promise<void> {
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
