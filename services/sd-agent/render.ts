/**
 * Pure rendering of the Prometheus file_sd document from pool members. Output is deterministic (sorted, fixed
 * key order), so an unchanged pool renders byte-identical text and the agent can skip the write.
 */
import { isIPv4 } from "node:net";
import type { Instance } from "../../lib/exoscale/types.js";
import { isRecord } from "../../lib/shared/json.js";

export interface PoolMembers {
  poolId: string;
  members: Instance[];
}

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Numeric order for IPv4 (127.0.0.10 after 127.0.0.9). */
function ipKey(ip: string): string {
  const match = IPV4.exec(ip);
  return match
    ? match
        .slice(1, 5)
        .map((octet) => octet.padStart(3, "0"))
        .join(".")
    : ip;
}

/**
 * One target group per member, so each target carries its own instance labels. Only `running` members with a
 * public IPv4 are scraped: a `starting` member has no exporter yet and would only add failed scrapes, and
 * anything else in the address field (an IPv6 literal, a name, 999.1.1.1) would make `ip:port` ambiguous or
 * wrong. A member listed twice (by one pool, or by two pools when the API gives no manager) is one target.
 */
export function targetGroups(pools: PoolMembers[], targetPort: number, zone?: string): TargetGroup[] {
  const seen = new Set<string>();
  const groups: { sortKey: string; group: TargetGroup }[] = [];
  for (const pool of pools) {
    for (const member of pool.members) {
      if (member.state !== "running" || !member.publicIp || !isIPv4(member.publicIp)) continue;
      if (member.managerId !== undefined && member.managerId !== pool.poolId) continue;
      if (seen.has(member.id)) continue;
      seen.add(member.id);
      const labels: Record<string, string> = {
        exoscale_pool_id: pool.poolId,
        exoscale_instance_id: member.id,
        exoscale_instance_name: member.name,
      };
      if (zone) labels.exoscale_zone = zone;
      groups.push({ sortKey: `${ipKey(member.publicIp)}|${member.id}`, group: { targets: [`${member.publicIp}:${targetPort}`], labels } });
    }
  }
  return groups.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0)).map((entry) => entry.group);
}

/** The file's text: a JSON list, two-space indented, newline-terminated; `[]` for no targets. */
export function renderFileSd(groups: TargetGroup[]): string {
  return `${JSON.stringify(groups, null, 2)}\n`;
}

/** Every `ip:port` in a rendered document, for change logs and tests. */
export function targetsOf(groups: TargetGroup[]): string[] {
  return groups.flatMap((group) => group.targets);
}

/**
 * The targets of an existing file_sd file (ours from an earlier run), or undefined when it is not a list
 * of target groups, so the agent rewrites it instead of trusting it.
 */
export function readTargets(content: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const targets: string[] = [];
  for (const group of parsed) {
    if (!isRecord(group) || !Array.isArray(group.targets) || !group.targets.every((target) => typeof target === "string")) return undefined;
    targets.push(...(group.targets as string[]));
  }
  return targets;
}
