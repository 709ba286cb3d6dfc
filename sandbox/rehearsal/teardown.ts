/**
 * Everything the rehearsal leaves on this machine while it runs, and how it goes away: the container,
 * the network namespace and NAT table, gpg's agent, any mount under .rehearsal/. Recorded in
 * .rehearsal/state.json as it is created, so a run that was killed is cleaned up by the next one.
 */
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { nspawnProcessesFor, stopContainer, stopContainersFor } from "./container.js";
import { run } from "./exec.js";
import { networkLeftovers, tearDownNetwork, type NetworkState } from "./network.js";
import { stopGpgAgent } from "./aptRepo.js";
import { RUN_DIR, WORK_DIR } from "./settings.js";

export const RUN_ROOT = join(RUN_DIR, "root");
const STATE_FILE = join(WORK_DIR, "state.json");

export interface RunState extends NetworkState {
  nspawnPid?: number;
  gpgHome?: string;
}

export function readState(): RunState {
  try {
    return JSON.parse(readFileSync(STATE_FILE, "utf8")) as RunState;
  } catch {
    return {};
  }
}

export function recordState(update: Partial<RunState>): void {
  mkdirSync(WORK_DIR, { recursive: true });
  writeFileSync(STATE_FILE, `${JSON.stringify({ ...readState(), ...update }, null, 2)}\n`);
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string, mountinfo: string = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const points = mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

let inflight: Promise<void> | undefined;

/** Removes whatever a run (this one, or an earlier one that was killed) left; safe to call any number of times, also at once. */
export function tearDown(log: (line: string) => void = () => {}): Promise<void> {
  inflight ??= tearDownOnce(log).finally(() => {
    inflight = undefined;
  });
  return inflight;
}

async function tearDownOnce(log: (line: string) => void): Promise<void> {
  const state = readState();
  if (state.nspawnPid !== undefined && nspawnProcessesFor(RUN_ROOT).includes(state.nspawnPid)) {
    await stopContainer(state.nspawnPid);
    log(`teardown: stopped the container (nspawn ${state.nspawnPid})`);
  }
  const stray = await stopContainersFor(RUN_ROOT);
  if (stray.length) log(`teardown: stopped stray nspawn ${stray.join(", ")}`);
  for (const point of mountsUnder(WORK_DIR)) {
    await run("umount", ["-l", point], { allowFailure: true });
    log(`teardown: unmounted ${point}`);
  }
  const removed = await tearDownNetwork(state);
  if (removed.length) log(`teardown: removed ${removed.join(", ")}`);
  if (state.gpgHome && existsSync(state.gpgHome)) await stopGpgAgent(state.gpgHome);
  // The booted copy is of no use once stopped (the image stays cached); only when nothing is mounted in it.
  if (existsSync(RUN_DIR) && mountsUnder(RUN_DIR).length === 0 && nspawnProcessesFor(RUN_ROOT).length === 0) {
    await rm(RUN_DIR, { recursive: true, force: true });
  }
  recordState({ nspawnPid: undefined, gpgHome: undefined, previousIpForward: undefined });
}

/** What is still there after a teardown (should be nothing). */
export async function leftovers(): Promise<string[]> {
  const left = await networkLeftovers();
  for (const pid of nspawnProcessesFor(RUN_ROOT)) left.push(`nspawn process ${pid}`);
  for (const point of mountsUnder(WORK_DIR)) left.push(`mount ${point}`);
  const agents = (await run("pgrep", ["-a", "-f", `gpg-agent --homedir ${RUN_DIR}`], { allowFailure: true })).stdout.trim();
  if (agents) left.push(`gpg-agent ${agents}`);
  return left;
}

const LOCK_FILE = join(WORK_DIR, "lock");
let held = false;

/** True while this process holds the lock (only then may a signal handler tear down). */
export function lockHeld(): boolean {
  return held;
}

/**
 * One rehearsal at a time on a machine: they share the namespace, the addresses and the run folder. Takes
 * the lock (a file holding our pid; a dead holder's lock is taken over) or throws naming the holder.
 */
export function acquireLock(pid: number = process.pid): () => void {
  mkdirSync(WORK_DIR, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(LOCK_FILE, `${pid}\n`, { flag: "wx" });
      held = true;
      return () => {
        held = false;
        try {
          if (readFileSync(LOCK_FILE, "utf8").trim() === String(pid)) unlinkSync(LOCK_FILE);
        } catch {
          // already gone
        }
      };
    } catch {
      const holder = Number(readFileSync(LOCK_FILE, "utf8").trim());
      let alive: boolean;
      try {
        process.kill(holder, 0);
        alive = holder !== pid;
      } catch {
        alive = false;
      }
      if (alive) throw new Error(`another rehearsal (pid ${holder}) is running; wait for it, or stop it (kill ${holder})`);
      unlinkSync(LOCK_FILE);
    }
  }
  throw new Error(`could not take ${LOCK_FILE}`);
}
