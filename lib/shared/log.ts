/** One JSON object per line, so `journalctl -o cat | jq` and log shippers can read every decision. */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Where each rendered line goes; defaults to stdout. */
  write?: (line: string) => void;
  /** Injected clock, so tests get stable timestamps. */
  now?: () => Date;
  /** Lines below this level are dropped. */
  level?: LogLevel;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Errors do not survive JSON.stringify; turn them into their message. */
function plain(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const threshold = ORDER[options.level ?? "info"];
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (ORDER[level] < threshold) return;
    const record: LogFields = { time: now().toISOString(), level, service, msg };
    for (const [key, value] of Object.entries(fields)) record[key] = plain(value);
    write(JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
  };
}

/** A logger that keeps its lines, for tests that assert on what a service said. */
export function createMemoryLogger(service = "test"): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = createLogger(service, {
    level: "debug",
    write: (line) => lines.push(JSON.parse(line) as LogFields),
  });
  return Object.assign(logger, { lines });
}
