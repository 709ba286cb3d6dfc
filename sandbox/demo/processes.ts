/**
 * The child processes the demo runs (Prometheus, Alertmanager, the built SD agent and scaler): started
 * with their output in the run folder, stopped with SIGTERM and, if they linger, SIGKILL, so nothing is
 * left running and no port stays taken.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";

/** A Debian package the demo needs, and the command it provides. */
export interface ToolNeed {
  command: string;
  pkg: string;
}

export const DEMO_TOOLS: readonly ToolNeed[] = [
  { command: "prometheus", pkg: "prometheus" },
  { command: "prometheus-alertmanager", pkg: "prometheus-alertmanager" },
];

/** The exact command that installs what is missing. */
export function installCommand(missing: readonly ToolNeed[]): string {
  return `sudo apt-get install -y --no-install-recommends ${missing.map((m) => m.pkg).join(" ")}`;
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has gone. */
  exited: Promise<number | string>;
  /** Text it wrote to stdout (kept for processes that report their state there, like our services). */
  output(): string;
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Where stdout and stderr go (appended). */
  logFile: string;
  /** Keep stdout in memory too, for output(). */
  captureStdout?: boolean;
}

export function startProcess(name: string, command: string, args: readonly string[], options: StartOptions): ManagedProcess {
  const log: WriteStream = createWriteStream(options.logFile, { flags: "a" });
  const child = spawn(command, [...args], {
    env: { PATH: process.env["PATH"] ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let captured = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    log.write(chunk);
    if (options.captureStdout === true && captured.length < 4_000_000) captured += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => log.write(chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.once("error", (error) => {
      log.write(`${name}: ${error.message}\n`);
      resolve("spawn-error");
    });
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  }).finally(() => log.end());
  return {
    name,
    child,
    exited,
    output: () => captured,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
