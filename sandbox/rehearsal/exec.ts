/** Small process helpers: run a command to completion, capturing its output, failing with it. */
import { spawn, type SpawnOptions } from "node:child_process";
import { findSystemCommand } from "../systemCommands.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve with a non-zero code instead of throwing. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    const tail = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-20).join("\n");
    super(`${command} exited ${result.code}${tail ? `:\n${tail}` : ""}`);
  }
}

const resolvedCommands = new Map<string, string>();

/** The machine's own `command` (never an npm CLI of the same name), looked up once, or an error naming it. */
export function systemCommand(command: string): string {
  const known = resolvedCommands.get(command);
  if (known !== undefined) return known;
  const found = findSystemCommand(command);
  if (found === undefined)
    throw new Error(`rehearse: ${command} is not installed on this machine (bash scripts/setup.sh installs what the rehearsal needs)`);
  resolvedCommands.set(command, found);
  return found;
}

export function run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  // A throw in the executor (a missing command) rejects the promise.
  return new Promise((resolve, reject) => {
    const resolved = systemCommand(file);
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    };
    const child = spawn(resolved, args, spawnOptions);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.on("error", (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (result.code !== 0 && !options.allowFailure) reject(new CommandError([file, ...args].join(" "), result));
      else resolve(result);
    });
    if (child.stdin) {
      // A command that exits before reading its input must not crash us with EPIPE.
      child.stdin.on("error", () => {});
      child.stdin.end(options.input);
    }
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
