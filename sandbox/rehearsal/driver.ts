/**
 * A small stand-in for @pulumi/command's remote provider: it dials the host as the connection says
 * (dialErrorLimit attempts of perDialTimeout seconds each), runs a Command's `create` through the login
 * shell and fails with its output, and uploads a CopyToRemote's source over SFTP.
 */
import { readFile } from "node:fs/promises";
import ssh2, { type ConnectConfig } from "ssh2";

const { Client } = ssh2;
type Client = InstanceType<typeof Client>;
import { sleep } from "./exec.js";
import type { Connection, Step } from "./graph.js";

/** @pulumi/command's defaults when a connection leaves them out. */
export const PROVIDER_DEFAULTS = { dialErrorLimit: 10, perDialTimeout: 15, port: 22 } as const;
/** The pause between two failed dials. */
export const REDIAL_PAUSE_MS = 1_000;

export interface DialPlan {
  attempts: number;
  perDialMs: number;
}

export function dialPlan(c: Pick<Connection, "dialErrorLimit" | "perDialTimeout">): DialPlan {
  const attempts = c.dialErrorLimit ?? PROVIDER_DEFAULTS.dialErrorLimit;
  const seconds = c.perDialTimeout ?? PROVIDER_DEFAULTS.perDialTimeout;
  return { attempts: attempts < 1 ? 1 : attempts, perDialMs: seconds * 1000 };
}

/**
 * Dials until one attempt succeeds, at most `attempts` times, each bounded by `perDialMs`; the last error
 * names how many dials failed.
 */
export async function dialWithRetry<T>(
  plan: DialPlan,
  dialOnce: (timeoutMs: number) => Promise<T>,
  onFailure: (attempt: number, error: Error) => void = () => {},
  pauseMs = REDIAL_PAUSE_MS,
): Promise<{ value: T; failedDials: number }> {
  let last: Error = new Error("no dial attempted");
  for (let attempt = 1; attempt <= plan.attempts; attempt++) {
    try {
      return { value: await dialOnce(plan.perDialMs), failedDials: attempt - 1 };
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
      // A key that cannot be read, or a refused login, does not get better by dialling again.
      if (isFatalDialError(last)) throw new Error(`could not connect: ${last.message}`, { cause: error });
      onFailure(attempt, last);
      if (attempt < plan.attempts) await sleep(pauseMs);
    }
  }
  throw new Error(`could not connect after ${plan.attempts} dials of ${plan.perDialMs / 1000} s: ${last.message}`);
}

export function isFatalDialError(error: Error): boolean {
  return /Cannot parse privateKey|All configured authentication methods failed/.test(error.message);
}

function dialSsh(c: Connection, timeoutMs: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const config: ConnectConfig = {
      host: c.host,
      port: c.port ?? PROVIDER_DEFAULTS.port,
      username: c.user,
      privateKey: c.privateKey,
      readyTimeout: timeoutMs,
      // A throwaway host: its key is new every image; the provider does not check it either.
      hostVerifier: () => true,
    };
    const timer = setTimeout(() => {
      client.end();
      reject(new Error(`dial timed out after ${timeoutMs} ms`));
    }, timeoutMs + 1000);
    client.once("ready", () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.once("error", (error) => {
      clearTimeout(timer);
      client.end();
      reject(error);
    });
    client.connect(config);
  });
}

export interface StepResult {
  step: string;
  stdout: string;
  stderr: string;
  ms: number;
  failedDials: number;
}

export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly output: string,
    message: string,
  ) {
    super(message);
  }
}

/** How often a long command reports that it is still running. */
export const PROGRESS_EVERY_MS = 30_000;

function exec(client: Client, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let stdout = "";
      let stderr = "";
      let code = -1;
      stream.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
      stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      stream.on("exit", (c: number | null, signal?: string) => (code = c ?? (signal ? 128 : 1)));
      stream.on("close", () => resolve({ code, stdout, stderr }));
    });
  });
}

function upload(client: Client, remotePath: string, content: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    client.sftp((error, sftp) => {
      if (error) return reject(error);
      sftp.writeFile(remotePath, content, (err) => {
        sftp.end();
        if (err) reject(new Error(`sftp write ${remotePath}: ${err.message}`));
        else resolve();
      });
    });
  });
}

export interface DriverOptions {
  log?: (line: string) => void;
}

/** Runs one step over a connection of its own, as the provider does for each resource. */
export async function runStep(step: Step, options: DriverOptions = {}): Promise<StepResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const { value: client, failedDials } = await dialWithRetry(
    dialPlan(step.connection),
    (ms) => dialSsh(step.connection, ms),
    (n, e) => log(`  ${step.step}: dial ${n} failed (${e.message})`),
  );
  try {
    if (step.kind === "copy") {
      const source = step.source!;
      const content = "path" in source ? await readFile(source.path) : Buffer.from(source.text);
      await upload(client, step.remotePath!, content);
      return { step: step.step, stdout: "", stderr: "", ms: Date.now() - started, failedDials };
    }
    // A command can take minutes (apt); say what it is doing rather than going quiet.
    const progress = setInterval(
      () => log(`  ${step.step}: still running after ${Math.round((Date.now() - started) / 1000)} s`),
      PROGRESS_EVERY_MS,
    );
    progress.unref();
    const result = await exec(client, step.create!).finally(() => clearInterval(progress));
    if (result.code !== 0) {
      const output = `${result.stdout}${result.stderr}`;
      throw new StepError(step.step, output, `${step.step}: the command exited ${result.code}:\n${output.trimEnd()}`);
    }
    return { step: step.step, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started, failedDials };
  } finally {
    client.end();
  }
}

/** Runs steps one after another in the order given (already topological), stopping at the first failure. */
export async function runSteps(steps: Step[], options: DriverOptions = {}): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    const result = await runStep(step, options);
    options.log?.(`  ${step.kind === "copy" ? "copied" : "ran"} ${step.step} (${result.ms} ms)`);
    results.push(result);
  }
  return results;
}

/** One command on the host as the SSH user, for the checks (not part of the graph). */
export async function sshRun(c: Connection, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { value: client } = await dialWithRetry({ attempts: 3, perDialMs: 10_000 }, (ms) => dialSsh(c, ms));
  try {
    return await exec(client, command);
  } finally {
    client.end();
  }
}
