/**
 * The scaler's memory across restarts (STATE_FILE): held signals, the target's pending or unconfirmed
 * change and its last change time, written atomically. Saves are group-committed: a save asked for while
 * one is being written is folded into the next write, which starts as soon as the current one ends and
 * takes the state as it is then, so a burst of webhooks costs a few writes, not one each.
 */
import { readFile, rename } from "node:fs/promises";
import { ConfigError } from "../../lib/shared/env.js";
import { messageOf } from "../../lib/shared/errors.js";
import { isRecord } from "../../lib/shared/json.js";
import type { Logger } from "../../lib/shared/log.js";
import { writeFileAtomic } from "../../lib/shared/atomicWrite.js";
import { parseSignalStoreState, type SignalStoreState } from "./signalStore.js";

export const STATE_VERSION = 1;

export interface ScalerState {
  version: typeof STATE_VERSION;
  savedAt: string;
  /** The pool this state is about: a state file of another pool is not taken back. */
  targetId: string;
  signals: SignalStoreState;
  /** The target's own memory (ScaleTarget.exportState). */
  target: unknown;
}

/** Pure: the file's text. */
export function renderState(state: ScalerState): string {
  return `${JSON.stringify(state)}\n`;
}

/** Pure: the state in a file's text, or what is wrong with it. */
export function parseState(text: string): { ok: true; state: ScalerState } | { ok: false; problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON (${messageOf(error)})` };
  }
  if (!isRecord(parsed)) return { ok: false, problem: "not a JSON object" };
  if (parsed["version"] !== STATE_VERSION)
    return { ok: false, problem: `version ${String(parsed["version"]).slice(0, 20)}, expected ${STATE_VERSION}` };
  if (typeof parsed["savedAt"] !== "string" || typeof parsed["targetId"] !== "string")
    return { ok: false, problem: "savedAt or targetId missing" };
  const signals = parseSignalStoreState(parsed["signals"]);
  if (signals === undefined) return { ok: false, problem: "its signals are not in the expected shape" };
  return {
    ok: true,
    state: { version: STATE_VERSION, savedAt: parsed["savedAt"], targetId: parsed["targetId"], signals, target: parsed["target"] },
  };
}

export interface StateFileOptions {
  logger: Logger;
  /** Builds the state to write, at the moment a write starts. */
  snapshot: () => ScalerState;
  write?: (path: string, content: string) => Promise<void>;
  now?: () => number;
}

export class StateFile {
  private current?: Promise<void>;
  private next?: Promise<void>;
  private failing = false;
  private readonly write: (path: string, content: string) => Promise<void>;
  private readonly now: () => number;

  constructor(
    readonly path: string,
    private readonly options: StateFileOptions,
  ) {
    this.write = options.write ?? writeFileAtomic;
    this.now = options.now ?? Date.now;
  }

  /**
   * The saved state, or undefined when there is none yet or it cannot be used. A corrupt file is moved
   * aside (`<file>.corrupt-<time>`) for inspection, with a warning; a path that cannot be read at all is a
   * configuration error naming STATE_FILE.
   */
  async load(): Promise<ScalerState | undefined> {
    const { logger } = this.options;
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        logger.info("no state file yet; starting with no held signals", { stateFile: this.path });
        return undefined;
      }
      throw new ConfigError([
        `STATE_FILE ${this.path} cannot be read (${code ?? messageOf(error)}): it must be a file the scaler may read and write`,
      ]);
    }
    const parsed = parseState(text);
    if (parsed.ok) return parsed.state;
    const aside = `${this.path}.corrupt-${new Date(this.now()).toISOString().replace(/[:.]/g, "-")}`;
    try {
      await rename(this.path, aside);
    } catch (error) {
      logger.warn("cannot move the unreadable state file aside", { stateFile: this.path, error: messageOf(error) });
    }
    logger.warn("state file unreadable, starting with no held signals; the old file is kept for inspection", {
      stateFile: this.path,
      problem: parsed.problem,
      keptAs: aside,
    });
    return undefined;
  }

  /** Writes the current state soon; resolves once a write that includes everything before the call is done. Never rejects. */
  save(): Promise<void> {
    if (this.next !== undefined) return this.next;
    if (this.current === undefined) {
      this.current = this.writeNow().finally(() => {
        this.current = undefined;
      });
      return this.current;
    }
    this.next = this.current.then(() => {
      this.next = undefined;
      return this.save();
    });
    return this.next;
  }

  private async writeNow(): Promise<void> {
    try {
      await this.write(this.path, renderState(this.options.snapshot()));
      if (this.failing) this.options.logger.info("state file written again", { stateFile: this.path });
      this.failing = false;
    } catch (error) {
      // Kept in memory all the same; said once per streak of failures, not once per write.
      if (!this.failing) {
        this.options.logger.error("cannot write the state file; signals are kept in memory only until it works again", {
          stateFile: this.path,
          error: messageOf(error),
        });
      }
      this.failing = true;
    }
  }
}
