/**
 * The lifecycle of a run-to-completion program (the provisioner is a oneshot, not a service): exit 0 when
 * the task is done, 2 on invalid configuration (fix it first; no stack trace for a user mistake), 1 on any
 * other failure, with a one-line message on stderr.
 *
 * The SIGTERM/SIGINT handlers go in before the task (and the modules it imports) is loaded, so a stop
 * during start-up never meets Node's default (death by signal, 143). A stop aborts the requests in flight
 * and, unless the task still finishes, exits 1 within the deadline: the run did not finish, so not
 * everything may be in place, and running it again is safe.
 */
import { ConfigError } from "./env.js";
import { messageOf } from "./errors.js";
import { EXIT_BAD_CONFIG, EXIT_FAILURE, EXIT_OK, type ProcessLike } from "./lifecycle.js";

export interface RunOnceOptions {
  proc?: ProcessLike;
  /** Longest wait after a signal before exiting anyway (default 1.5 s). */
  stopDeadlineMs?: number;
}

export async function runOnce(name: string, task: (signal: AbortSignal) => Promise<unknown>, options: RunOnceOptions = {}): Promise<void> {
  const proc: ProcessLike = options.proc ?? process;
  const controller = new AbortController();
  let finished = false;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const exit = (code: number): void => {
    if (finished) return;
    finished = true;
    if (deadline !== undefined) clearTimeout(deadline);
    proc.exit(code);
  };
  const onSignal = (): void => {
    if (controller.signal.aborted || finished) return;
    proc.stderr.write(`${name}: stopped by a signal before it finished; not everything may be in place (running it again is safe)\n`);
    controller.abort();
    // Not unref'd: an interrupted run must end with exit 1, never drift out with 0 once the loop is empty.
    deadline = setTimeout(() => exit(EXIT_FAILURE), options.stopDeadlineMs ?? 1500);
  };
  proc.on("SIGTERM", onSignal);
  proc.on("SIGINT", onSignal);

  try {
    await task(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) {
      exit(EXIT_FAILURE);
      return;
    }
    proc.stderr.write(`${name}: ${error instanceof ConfigError ? error.message : messageOf(error)}\n`);
    exit(error instanceof ConfigError ? EXIT_BAD_CONFIG : EXIT_FAILURE);
    return;
  }
  // Finished, even if a signal came meanwhile: everything is in place.
  exit(EXIT_OK);
}
