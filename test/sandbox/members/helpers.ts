/** Helpers for the member, NLB and load tests (not a test file: ava only runs *.test.ts). */
import type { ExecutionContext } from "ava";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import type { ManualClock } from "../../helpers/emulator.js";
import type { MemberClock } from "../../../sandbox/members/member.js";

/** The member's clock options, driven by a ManualClock (no global is faked, so sockets keep working). */
export function manualTimers(clock: ManualClock): Required<MemberClock> {
  return {
    now: () => clock.now(),
    setTimer: (callback, ms) => clock.setTimeout(callback, ms),
    clearTimer: (handle) => clock.clearTimeout(handle),
  };
}

/**
 * A port free on 127.0.0.1 right now, for servers that must share one port across several loopback addresses
 * (emulated members all listen on the same port, each on its own address). The kernel picks it from its
 * ephemeral range, so parallel test files do not collide on it as they would on a fixed number.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A promise that says whether it has settled yet, to show an answer is still held. */
export function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { promise, settled: () => settled };
}

/** `promtool check metrics` on this text: exit code and output (0 = valid, 3 = lint problems, 1 = not parseable). */
export function promtoolCheckMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(text);
  });
}

/** Registers a teardown that stops this thing when the test ends. */
export function stopAtEnd<T extends { stop(): Promise<void> }>(t: ExecutionContext, thing: T): T {
  t.teardown(() => thing.stop());
  return thing;
}
