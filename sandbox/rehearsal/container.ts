/**
 * Boots the rehearsal host with systemd-nspawn in its network namespace, and stops it. With
 * --register=no there is no machinectl: stopping is SIGTERM to nspawn (it powers the container off),
 * then SIGKILL to the container's init and nspawn if that takes too long.
 */
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, readdirSync, closeSync } from "node:fs";
import { sleep, systemCommand } from "./exec.js";
import { namespacePath } from "./network.js";
import { HOSTNAME } from "./settings.js";

export interface Container {
  pid: number;
  root: string;
  /** Resolves with nspawn's exit code once it has exited. */
  exited: Promise<number>;
}

export function nspawnArgs(root: string, netnsPath: string = namespacePath()): string[] {
  return [
    "--quiet",
    "-D",
    root,
    "--boot",
    "--register=no",
    "--keep-unit",
    `--network-namespace-path=${netnsPath}`,
    `--hostname=${HOSTNAME}`,
    "--resolv-conf=copy-host",
    "--timezone=off",
    "--console=read-only",
  ];
}

export function boot(root: string, consoleLog: string): Container {
  const out = openSync(consoleLog, "w");
  // Its own process group: a Ctrl-C in the terminal reaches us, and we stop the container in order.
  const child = spawn(systemCommand("systemd-nspawn"), nspawnArgs(root), { detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  const exited = new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  if (child.pid === undefined) throw new Error("systemd-nspawn did not start");
  return { pid: child.pid, root, exited };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (text) kids.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return kids;
}

/** nspawn processes booting this root (found by their exact -D argument, never by name alone). */
export function nspawnProcessesFor(root: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const args = cmdline(Number(entry));
    if (args[0]?.endsWith("systemd-nspawn") && args.includes(root)) found.push(Number(entry));
  }
  return found;
}

/** Stops the nspawn process `pid` (and its container): poweroff first, then kill. Idempotent. */
export async function stopContainer(pid: number, graceMs = 20_000): Promise<void> {
  if (!alive(pid)) return;
  const init = childrenOf(pid);
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive(pid)) await sleep(200);
  if (!alive(pid)) return;
  // Killing the container's init ends every process in its PID namespace.
  for (const child of init) {
    try {
      process.kill(child, "SIGKILL");
    } catch {
      // gone
    }
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
  while (alive(pid)) await sleep(100);
}

export async function stopContainersFor(root: string): Promise<number[]> {
  const pids = existsSync("/proc") ? nspawnProcessesFor(root) : [];
  for (const pid of pids) await stopContainer(pid);
  return pids;
}
