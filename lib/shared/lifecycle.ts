import { ConfigError } from "./env.js";
import { messageOf } from "./errors.js";

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
  /** Longest wait for a clean stop before exiting anyway (default 1.5 s): a service must be gone within 2 s of SIGTERM. */
  stopDeadlineMs?: number;
  proc?: ProcessLike;
}

/** Exit codes shared by every service: 0 stopped on request, 1 crashed, 2 bad configuration (fix it before restarting). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_CONFIG = 2;

/**
 * Starts a service and owns its process lifecycle: invalid configuration exits 2 with a readable
 * message (no stack trace for a user mistake), SIGTERM/SIGINT stop it and exit 0, a crash exits 1.
 *
 * The signal handlers go in before `start()` runs: a SIGTERM during start-up (systemd stopping a unit
 * that is still starting) must not fall through to Node's default, which kills the process with 143.
 * Such a signal stops the service as soon as it has started, or exits 0 if the start fails; the
 * deadline counts from the signal either way.
 */
export async function runService(name: string, start: () => Promise<RunningService>, options: RunOptions = {}): Promise<void> {
  const proc: ProcessLike = options.proc ?? process;
  const deadlineMs = options.stopDeadlineMs ?? 1500;
  let service: RunningService | undefined;
  let signalled = false;
  let stopping = false;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const exit = (code: number): void => {
    if (deadline !== undefined) clearTimeout(deadline);
    proc.exit(code);
  };

  const stopService = (running: RunningService): void => {
    if (stopping) return;
    stopping = true;
    running.stop().then(
      () => exit(EXIT_OK),
      (error: unknown) => {
        proc.stderr.write(`${name}: error while stopping: ${messageOf(error)}\n`);
        exit(EXIT_OK);
      },
    );
  };
  const onSignal = (): void => {
    if (signalled) return;
    signalled = true;
    // Exit 0 at the deadline whatever start() or stop() are doing.
    deadline = setTimeout(() => proc.exit(EXIT_OK), deadlineMs);
    deadline.unref?.();
    if (service) stopService(service);
  };
  proc.on("SIGTERM", onSignal);
  proc.on("SIGINT", onSignal);

  try {
    service = await start();
  } catch (error) {
    if (signalled) {
      // The operator asked it to stop; a start cut short by that is not a failure.
      proc.stderr.write(`${name}: stopped during start-up (${messageOf(error)})\n`);
      exit(EXIT_OK);
      return;
    }
    if (error instanceof ConfigError) {
      proc.stderr.write(`${name}: ${error.message}\n`);
      proc.exit(EXIT_BAD_CONFIG);
      return;
    }
    proc.stderr.write(`${name}: failed to start: ${messageOf(error)}\n`);
    proc.exit(EXIT_FAILURE);
    return;
  }
  if (signalled) stopService(service);
}
