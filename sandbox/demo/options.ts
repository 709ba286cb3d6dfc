/** The demo command's options: pure parsing, with every problem listed at once. */
import { parseArgs } from "node:util";
import { ConfigError, parseNumber } from "../../lib/shared/env.js";
import { messageOf } from "../../lib/shared/errors.js";

export interface DemoOptions {
  /** The run folder; default a fresh folder under .demo/. */
  out?: string;
  /** Stop and fail if the cycle is not complete after this long (seconds). */
  timeLimitSeconds: number;
  /** Load profile: ramp up to `concurrency`, hold, then drop to nothing. */
  rampSeconds: number;
  holdSeconds: number;
  concurrency: number;
  minSize: number;
  maxSize: number;
  /** Compressed timings of the loop. */
  tickSeconds: number;
  scrapeSeconds: number;
  pendingSeconds: number;
  groupIntervalSeconds: number;
  bootSeconds: number;
  upCpuPercent: number;
  downCpuPercent: number;
  /** After the load, leave everything running until Ctrl-C (to explore Prometheus and the pool). */
  keepRunning: boolean;
}

export const DEMO_DEFAULTS: Omit<DemoOptions, "out"> = {
  timeLimitSeconds: 600,
  rampSeconds: 15,
  holdSeconds: 60,
  concurrency: 3,
  minSize: 1,
  maxSize: 4,
  tickSeconds: 3,
  scrapeSeconds: 1,
  pendingSeconds: 5,
  groupIntervalSeconds: 3,
  bootSeconds: 3,
  upCpuPercent: 80,
  downCpuPercent: 20,
  keepRunning: false,
};

export const DEMO_USAGE = `usage: npm run demo -- [options]
The whole autoscaling loop on this machine: the API emulator with emulated members, an emulated NLB, the
built SD agent and scaler, a real Prometheus and Alertmanager, and a load profile (ramp, hold, drop).

  --out DIR                  run folder (default: a new folder under .demo/)
  --time-limit SECONDS       fail if the pool has not grown and shrunk back by then (default ${DEMO_DEFAULTS.timeLimitSeconds})
  --ramp SECONDS             load ramp from 1 to --concurrency (default ${DEMO_DEFAULTS.rampSeconds})
  --hold SECONDS             load held at --concurrency (default ${DEMO_DEFAULTS.holdSeconds})
  --concurrency N            requests in flight at the peak (default ${DEMO_DEFAULTS.concurrency})
  --min-size N / --max-size N  the scaler's bounds (default ${DEMO_DEFAULTS.minSize} / ${DEMO_DEFAULTS.maxSize})
  --tick SECONDS             the scaler's tick (default ${DEMO_DEFAULTS.tickSeconds})
  --scrape SECONDS           Prometheus scrape and rule evaluation interval (default ${DEMO_DEFAULTS.scrapeSeconds})
  --pending SECONDS          the alert rules' pending period (default ${DEMO_DEFAULTS.pendingSeconds})
  --group-interval SECONDS   Alertmanager's group and repeat interval (default ${DEMO_DEFAULTS.groupIntervalSeconds})
  --boot SECONDS             how long a new member takes to boot (default ${DEMO_DEFAULTS.bootSeconds})
  --up-cpu PERCENT / --down-cpu PERCENT  alert thresholds (default ${DEMO_DEFAULTS.upCpuPercent} / ${DEMO_DEFAULTS.downCpuPercent})
  --keep-running             after the load, keep everything up until Ctrl-C
  --help                     this text`;

const NUMERIC = {
  "time-limit": ["timeLimitSeconds", 10, 7200],
  ramp: ["rampSeconds", 0, 3600],
  hold: ["holdSeconds", 1, 3600],
  concurrency: ["concurrency", 1, 200],
  "min-size": ["minSize", 1, 50],
  "max-size": ["maxSize", 1, 50],
  tick: ["tickSeconds", 1, 600],
  scrape: ["scrapeSeconds", 1, 60],
  pending: ["pendingSeconds", 1, 600],
  "group-interval": ["groupIntervalSeconds", 1, 600],
  boot: ["bootSeconds", 0, 600],
  "up-cpu": ["upCpuPercent", 1, 99],
  "down-cpu": ["downCpuPercent", 1, 99],
} as const satisfies Record<string, readonly [keyof DemoOptions, number, number]>;

/** argv → options, `"help"` for --help, or a ConfigError naming every bad option. */
export function parseDemoArgs(argv: readonly string[]): DemoOptions | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        out: { type: "string" },
        "keep-running": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        ...Object.fromEntries(Object.keys(NUMERIC).map((name) => [name, { type: "string" as const }])),
      },
    }));
  } catch (error) {
    throw new ConfigError([`${messageOf(error)}; see npm run demo -- --help`]);
  }
  if (values["help"] === true) return "help";
  const problems: string[] = [];
  const options: DemoOptions = { ...DEMO_DEFAULTS, keepRunning: values["keep-running"] === true };
  for (const [flag, [field, min, max]] of Object.entries(NUMERIC)) {
    const text = values[flag];
    if (typeof text !== "string") continue;
    const parsed = parseNumber(text, { whole: true, min, max });
    if ("problem" in parsed) problems.push(`--${flag} ${parsed.problem}`);
    else (options[field] as number) = parsed.value;
  }
  if (typeof values["out"] === "string") options.out = values["out"];
  if (options.minSize >= options.maxSize)
    problems.push(`--min-size (${options.minSize}) must be below --max-size (${options.maxSize}) for the pool to grow`);
  if (options.downCpuPercent >= options.upCpuPercent) {
    problems.push(`--down-cpu (${options.downCpuPercent}) must be below --up-cpu (${options.upCpuPercent})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}

/** The alert rules' rate() window: at least four scrapes, as in the deployment (15 s scrapes, 1 m window). */
export function demoRateWindowSeconds(options: Pick<DemoOptions, "scrapeSeconds">): number {
  return Math.max(4 * options.scrapeSeconds, 4);
}

/**
 * The scaler's default policy with its waits compressed like the rest of the demo's loop: the warm-up
 * is, as deployed, boot + the rate window + one evaluation (so the next value has seen the new members),
 * the cooldown two ticks (120 s at the deployed 60 s tick).
 */
export function demoPolicyEnv(options: Pick<DemoOptions, "bootSeconds" | "scrapeSeconds" | "tickSeconds">): Record<string, string> {
  return {
    SCALE_UP_WARMUP_SECONDS: String(options.bootSeconds + demoRateWindowSeconds(options) + options.scrapeSeconds),
    SCALE_DOWN_COOLDOWN_SECONDS: String(2 * options.tickSeconds),
  };
}
