/**
 * Runs a host script for real, without touching the machine: every command with side effects is a stub
 * that logs its arguments (and does whatever the test says), and PATH holds nothing else apart from a few
 * read-only tools. An unexpected command is "not found" and fails the script, never runs for real.
 */
import type { ExecutionContext } from "ava";
import { execFile } from "node:child_process";
import { access, chmod, constants, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tempDir } from "./fs.js";

/** Real tools the scripts may use: they only read, or write below TMPDIR (mktemp). */
const READ_ONLY_TOOLS = ["bash", "cat", "sed", "awk", "grep", "sort", "head", "tail", "tr", "cut", "mktemp", "cmp", "timeout", "env", "wc"];

/** Stubs every sandbox has: sudo runs its command, rm and cp act only inside the sandbox, sleep returns at once. */
const BUILTIN_STUBS: Record<string, string> = {
  sudo: 'exec "$@"',
  sleep: "exit 0",
  rm: 'for arg in "$@"; do case $arg in -*) ;; "$SANDBOX"/*) ;; *) exit 0 ;; esac; done\nexec /bin/rm "$@"',
  cp: 'for arg in "$@"; do case $arg in -*) ;; "$SANDBOX"/*) ;; *) echo "sandbox: cp outside the sandbox: $arg" >&2; exit 1 ;; esac; done\nexec /bin/cp "$@"',
};

export interface SandboxOptions {
  /** Stub bodies (bash) by command name, run after the call is logged; "" is a no-op that succeeds. */
  stubs: Record<string, string>;
  /** More environment for the script and its stubs. */
  env?: Record<string, string>;
  /** Files to create in the sandbox first (paths relative to it), e.g. fixtures the stubs read. */
  files?: Record<string, string>;
}

export interface SandboxRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every stubbed call in order: [command, ...arguments]. */
  calls: string[][];
  /** The sandbox directory (also $SANDBOX for stubs). */
  dir: string;
}

async function locate(tool: string): Promise<string> {
  for (const dir of ["/usr/bin", "/bin"]) {
    try {
      await access(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // try the next directory
    }
  }
  throw new Error(`sandbox: ${tool} is not installed`);
}

function stubScript(body: string): string {
  return [
    "#!/bin/bash",
    `{ printf '%s' "\${0##*/}"; for arg in "$@"; do printf '\\x1f%s' "$arg"; done; printf '\\x1e'; } >>"$SANDBOX_LOG"`,
    body,
    "",
  ].join("\n");
}

/**
 * Runs `command` (a shell command line, e.g. asRemoteCommand(script), or a function of the sandbox
 * directory that returns one) with bash in a fresh sandbox.
 */
export async function runSandboxed(
  t: ExecutionContext,
  command: string | ((dir: string) => string),
  options: SandboxOptions,
): Promise<SandboxRun> {
  const dir = await tempDir(t, "host-sandbox-");
  for (const [path, content] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content, { mode: 0o755 });
  }
  const bin = join(dir, "bin");
  const log = join(dir, "calls.log");
  await mkdir(bin, { recursive: true });
  await writeFile(log, "");
  const stubs = { ...BUILTIN_STUBS, ...options.stubs };
  // A stub replaces the real tool: never link a tool that is stubbed (writing the stub through the link
  // would overwrite the real binary), and create each stub as a new file ("wx" refuses an existing one).
  for (const tool of READ_ONLY_TOOLS.filter((name) => !(name in stubs))) {
    await symlink(await locate(tool), join(bin, tool));
  }
  for (const [name, body] of Object.entries(stubs)) {
    if (name.includes("/")) throw new Error(`sandbox: a stub is a command name, not a path: ${name}`);
    await writeFile(join(bin, name), stubScript(body), { flag: "wx", mode: 0o755 });
    await chmod(join(bin, name), 0o755);
  }
  const env = { PATH: bin, SANDBOX: dir, SANDBOX_LOG: log, TMPDIR: dir, HOME: dir, LC_ALL: "C", ...options.env };
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "/bin/bash",
      ["-c", typeof command === "string" ? command : command(dir)],
      { env, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
  const calls = (await readFile(log, "utf8"))
    .split("\x1e")
    .filter((record) => record !== "")
    .map((record) => record.split("\x1f"));
  return { ...result, calls, dir };
}

/** The calls to one command, as argument lists. */
export function callsTo(run: SandboxRun, command: string): string[][] {
  return run.calls.filter(([name]) => name === command).map(([, ...args]) => args);
}

/** Index of the first call whose joined command line equals `line`, or -1. */
export function callIndex(run: SandboxRun, line: string): number {
  return run.calls.findIndex((call) => call.join(" ") === line);
}
