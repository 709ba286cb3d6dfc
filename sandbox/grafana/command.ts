/** The fake Grafana command's argument parsing and start-up (main.ts is the thin entry). */
import { parseArgs } from "node:util";
import { ConfigError, parseNumber } from "../../lib/shared/env.js";
import { messageOf } from "../../lib/shared/errors.js";
import type { RunningService } from "../../lib/shared/lifecycle.js";
import { createLogger } from "../../lib/shared/log.js";
import { startFakeGrafana } from "./server.js";

export const USAGE = `usage: node --import tsx sandbox/grafana/main.ts [options]
A strict local fake of Grafana's HTTP API (health, data sources, folders, dashboards, alerting provisioning).
  --port N             listen port (default 3000; 0 picks a free one)
  --host ADDR          listen address (default 127.0.0.1)
  --not-ready-ms N     answer 503 everywhere for this long after start (default 0)
  --help               print this and exit
Environment:
  GF_SECURITY_ADMIN_PASSWORD   the admin password Basic auth must match (default admin, as Grafana's)
  GF_SECURITY_ADMIN_USER       the admin user (default admin)
One JSON line per request goes to stdout; SIGTERM or SIGINT stops it (exit 0); a bad flag exits 2.`;

export interface FakeGrafanaCommandOptions {
  port: number;
  host: string;
  notReadyMs: number;
  adminUser: string;
  adminPassword: string;
}

/** Pure: argv and environment → options, or a ConfigError naming every problem. */
export function parseFakeGrafanaArgs(argv: string[], env: Readonly<Record<string, string | undefined>>): FakeGrafanaCommandOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { port: { type: "string" }, host: { type: "string" }, "not-ready-ms": { type: "string" } },
    }));
  } catch (error) {
    throw new ConfigError([messageOf(error), USAGE]);
  }
  const problems: string[] = [];
  const whole = (name: string, fallback: number, max: number): number => {
    const value = values[name];
    if (typeof value !== "string") return fallback;
    const parsed = parseNumber(value, { whole: true, min: 0, max });
    if ("value" in parsed) return parsed.value;
    problems.push(`--${name} must be a whole number between 0 and ${max}, got "${value}"`);
    return fallback;
  };
  const options: FakeGrafanaCommandOptions = {
    port: whole("port", 3000, 65535),
    host: typeof values["host"] === "string" ? values["host"] : "127.0.0.1",
    notReadyMs: whole("not-ready-ms", 0, 3_600_000),
    adminUser: env["GF_SECURITY_ADMIN_USER"]?.trim() || "admin",
    adminPassword: env["GF_SECURITY_ADMIN_PASSWORD"] ?? "admin",
  };
  if (options.adminPassword === "") problems.push("GF_SECURITY_ADMIN_PASSWORD is set but empty");
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}

export async function runFakeGrafanaCommand(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<RunningService> {
  const options = parseFakeGrafanaArgs(argv, env);
  const logger = createLogger("fake-grafana", { write });
  const fake = await startFakeGrafana({
    port: options.port,
    host: options.host,
    adminUser: options.adminUser,
    adminPassword: options.adminPassword,
    notReadyMs: options.notReadyMs,
    onRequest: (entry) =>
      logger.info("request", {
        method: entry.method,
        path: entry.path,
        status: entry.status,
        ms: entry.ms,
        disableProvenance: entry.disableProvenance,
      }),
  });
  logger.info("fake grafana listening", { url: fake.url, adminUser: options.adminUser });
  return { stop: () => fake.close() };
}
