import { ConfigError } from "./env.js";

/** A started service: `stop` must release every timer, socket and file handle it holds. */
export interface RunningService {
  stop(): Promise<void>;
}

export interface ProcessLike {
  on(event: "SIGTERM" | "SIGINT", listener: () => void): unknown;
  exit(code: number): never | void;
  stderr: { write(text: string): unknown };
}

export interface RunOptions {
  /** Longest wait for a clean stop before exiting anyway; the issue budget is 2 s, so stay under it. */
  stopDeadlineMs?: number;
  proc?: ProcessLike;
}

/** Exit codes shared by every service (see the design's contracts). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_CONFIG = 2;

/**
 * Starts a service and owns its process lifecycle: invalid configuration exits 2 with a readable
 * message (no stack trace for a user mistake), SIGTERM/SIGINT stop it and exit 0, a crash exits 1.
 */
export async function runService(name: string, start: () => Promise<RunningService>, options: RunOptions = {}): Promise<void> {
  const proc: ProcessLike = options.proc ?? process;
  const deadlineMs = options.stopDeadlineMs ?? 1500;
  let service: RunningService;
  try {
    service = await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      proc.stderr.write(`${name}: ${error.message}\n`);
      proc.exit(EXIT_BAD_CONFIG);
      return;
    }
    proc.stderr.write(`${name}: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    proc.exit(EXIT_FAILURE);
    return;
  }
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => proc.exit(EXIT_OK), deadlineMs);
    timer.unref?.();
    service.stop().then(
      () => proc.exit(EXIT_OK),
      (error: unknown) => {
        proc.stderr.write(`${name}: error while stopping: ${error instanceof Error ? error.message : String(error)}\n`);
        proc.exit(EXIT_OK);
      },
    );
  };
  proc.on("SIGTERM", shutdown);
  proc.on("SIGINT", shutdown);
}
