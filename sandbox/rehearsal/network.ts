/**
 * The rehearsal host's network: its own namespace, joined to this machine by a veth pair
 * (10.231.0.1 here, 10.231.0.2 inside), with NAT out so apt inside reaches the Debian mirror. Setting up
 * always tears down first, and teardown is idempotent: safe after a run that was killed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { run } from "./exec.js";
import { NETWORK } from "./settings.js";

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

/** The nft ruleset of the rehearsal's table: masquerade what comes from the namespace, let it through. */
export function nftRuleset(n: typeof NETWORK = NETWORK): string {
  return [
    `table ip ${n.nftTable} {`,
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    `    ip saddr ${n.subnet} oifname != "${n.hostIf}" masquerade`,
    "  }",
    "  chain forward {",
    "    type filter hook forward priority filter; policy accept;",
    `    iifname "${n.hostIf}" accept`,
    `    oifname "${n.hostIf}" ct state established,related accept`,
    "  }",
    "}",
    "",
  ].join("\n");
}

export function namespacePath(n: typeof NETWORK = NETWORK): string {
  return `/run/netns/${n.namespace}`;
}

export interface NetworkState {
  /** ip_forward before we set it, restored at teardown. */
  previousIpForward?: string;
}

export function currentIpForward(): string {
  return readFileSync(IP_FORWARD, "utf8").trim();
}

/** Call with ip_forward's value recorded first (teardown restores it even if this fails half-way). */
export async function setUpNetwork(log: (line: string) => void, previousIpForward: string = currentIpForward()): Promise<NetworkState> {
  const n = NETWORK;
  const ipIn = (...args: string[]) => run("ip", ["-n", n.namespace, ...args]);
  await run("ip", ["netns", "add", n.namespace]);
  await run("ip", ["link", "add", n.hostIf, "type", "veth", "peer", "name", n.hostIfInside]);
  await run("ip", ["link", "set", n.hostIfInside, "netns", n.namespace]);
  await run("ip", ["addr", "add", `${n.hostAddress}/${n.prefix}`, "dev", n.hostIf]);
  await run("ip", ["link", "set", n.hostIf, "up"]);
  await ipIn("link", "set", n.hostIfInside, "name", n.guestIf);
  await ipIn("addr", "add", `${n.guestAddress}/${n.prefix}`, "dev", n.guestIf);
  await ipIn("link", "set", n.guestIf, "up");
  await ipIn("link", "set", "lo", "up");
  await ipIn("route", "add", "default", "via", n.hostAddress);
  if (currentIpForward() !== "1") writeFileSync(IP_FORWARD, "1\n");
  await run("nft", ["-f", "-"], { input: nftRuleset(n) });
  if ((await run("nft", ["list", "table", "ip", n.nftTable], { allowFailure: true })).code !== 0) {
    throw new Error(`nft accepted the table ip ${n.nftTable} but it is not there`);
  }
  log(`network: namespace ${n.namespace}, ${n.hostIf} ${n.hostAddress}/${n.prefix} ↔ ${n.guestAddress}, NAT table ip ${n.nftTable}`);
  return { previousIpForward };
}

/** Removes the namespace (and with it the veth pair), the nft table, and restores ip_forward. */
export async function tearDownNetwork(state: NetworkState = {}): Promise<string[]> {
  const n = NETWORK;
  const removed: string[] = [];
  if ((await run("ip", ["netns", "del", n.namespace], { allowFailure: true })).code === 0) removed.push(`namespace ${n.namespace}`);
  if ((await run("ip", ["link", "del", n.hostIf], { allowFailure: true })).code === 0) removed.push(`link ${n.hostIf}`);
  if ((await run("nft", ["delete", "table", "ip", n.nftTable], { allowFailure: true })).code === 0) removed.push(`nft table ${n.nftTable}`);
  if (state.previousIpForward !== undefined && state.previousIpForward !== "1") {
    writeFileSync(IP_FORWARD, `${state.previousIpForward}\n`);
    removed.push(`ip_forward back to ${state.previousIpForward}`);
  }
  return removed;
}

/** What of the rehearsal's network is still there (for the leave-nothing-behind check). */
export async function networkLeftovers(): Promise<string[]> {
  const n = NETWORK;
  const left: string[] = [];
  const netns = await run("ip", ["netns", "list"], { allowFailure: true });
  if (netns.stdout.split("\n").some((l) => l.split(" ")[0] === n.namespace)) left.push(`namespace ${n.namespace}`);
  if ((await run("ip", ["link", "show", n.hostIf], { allowFailure: true })).code === 0) left.push(`link ${n.hostIf}`);
  if ((await run("nft", ["list", "table", "ip", n.nftTable], { allowFailure: true })).code === 0) left.push(`nft table ${n.nftTable}`);
  return left;
}
