/** Tests that shell out to a real tool (promtool, cloud-init, …) skip locally when it is missing, and fail under CI. */
import type { ExecutionContext } from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * True if `command versionArgs…` runs. If it does not: under CI=true this throws (CI installs every tool,
 * so a missing one is a broken set-up); elsewhere the test logs why, passes, and the caller returns early.
 */
export async function requireTool(t: ExecutionContext, command: string, versionArgs: string[] = ["--version"]): Promise<boolean> {
  try {
    await run(command, versionArgs, { timeout: 20_000 });
    return true;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed" : "does not run";
    if (process.env.CI === "true") throw new Error(`${command} ${reason}: CI needs it (see .ci/run)`, { cause: error });
    t.log(`${command} ${reason}: skipped`);
    t.pass();
    return false;
  }
}
