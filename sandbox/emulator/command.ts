/** The emulator command's argument parsing and start-up (main.ts is the thin entry). */
import { parseArgs } from "node:util";
import { messageOf } from "../../lib/shared/errors.js";
import { ConfigError, parseNumber } from "../../lib/shared/env.js";
import type { RunningService } from "../../lib/shared/lifecycle.js";
import { createLogger } from "../../lib/shared/log.js";
import { isUuid } from "../../lib/exoscale/env.js";
import { isExoscaleZone } from "../../contracts/zones.js";
import { generateCredential, startEmulator, type FaultOptions, type InstanceSnapshot, type OperationSnapshot } from "./server.js";

export const USAGE = `usage: npm run emulator -- [options]
  --port N                 listen port (default 8081; 0 picks a free one)
  --host ADDR              listen address (default 127.0.0.1)
  --zone ZONE              zone to emulate (default ch-gva-2)
  --pool-size N            members of the pool created at start (default 1)
  --pool-name NAME         its name (default web)
  --pool-id UUID           its id (default random)
  --key KEY --secret S     credentials to accept (default generated)
  --operation-delay-ms N   how long scale/evict operations stay pending (default 1000)
  --boot-delay-ms N        how long new members stay starting (default 3000)
  --latency-ms N           fault: delay every answer
  --error-rate R           fault: share (0-1) of requests answered 503
  --rate-limit-rate R      fault: share (0-1) of requests answered 429
  --retry-after-seconds N  Retry-After sent with 429/503 (default 1)
  --fail-operations R      fault: share (0-1) of operations that end in failure`;

export interface EmulatorCommandOptions {
  port: number;
  host: string;
  zone: string;
  poolSize: number;
  poolName: string;
  poolId?: string;
  key?: string;
  secret?: string;
  operationDelayMs: number;
  bootDelayMs: number;
  faults: FaultOptions;
}

/** Pure: argv → options, or a ConfigError naming every bad flag. */
export function parseEmulatorArgs(argv: string[]): EmulatorCommandOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        zone: { type: "string" },
        "pool-size": { type: "string" },
        "pool-name": { type: "string" },
        "pool-id": { type: "string" },
        key: { type: "string" },
        secret: { type: "string" },
        "operation-delay-ms": { type: "string" },
        "boot-delay-ms": { type: "string" },
        "latency-ms": { type: "string" },
        "error-rate": { type: "string" },
        "rate-limit-rate": { type: "string" },
        "retry-after-seconds": { type: "string" },
        "fail-operations": { type: "string" },
      },
    }));
  } catch (error) {
    throw new ConfigError([messageOf(error), USAGE]);
  }
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  const whole = (name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = parseNumber(value, { whole: true, min: 0, max });
    if ("value" in parsed) return parsed.value;
    problems.push(`--${name} must be a whole number between 0 and ${max}, got "${value}"`);
    return fallback;
  };
  const share = (name: string): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = parseNumber(value, { min: 0, max: 1 });
    if ("value" in parsed) return parsed.value;
    problems.push(`--${name} must be a number between 0 and 1, got "${value}"`);
    return undefined;
  };
  const zone = text("zone") ?? "ch-gva-2";
  if (!isExoscaleZone(zone)) problems.push(`--zone must be an Exoscale zone such as ch-gva-2, got "${zone}"`);
  const poolId = text("pool-id");
  if (poolId !== undefined && !isUuid(poolId)) {
    problems.push(`--pool-id must be a UUID, got "${poolId}"`);
  }
  if ((text("key") === undefined) !== (text("secret") === undefined)) problems.push("--key and --secret go together");
  const faults: FaultOptions = {};
  const latency = whole("latency-ms", 0, 600_000);
  if (latency > 0) faults.latencyMs = latency;
  const errorRate = share("error-rate");
  if (errorRate !== undefined) faults.errorRate = errorRate;
  const rateLimitRate = share("rate-limit-rate");
  if (rateLimitRate !== undefined) faults.rateLimitRate = rateLimitRate;
  if (text("retry-after-seconds") !== undefined) faults.retryAfterSeconds = whole("retry-after-seconds", 1, 3600);
  const failOperations = share("fail-operations");
  if (failOperations !== undefined) faults.failOperations = failOperations;
  const options: EmulatorCommandOptions = {
    port: whole("port", 8081, 65535),
    host: text("host") ?? "127.0.0.1",
    zone,
    poolSize: whole("pool-size", 1, 253),
    poolName: text("pool-name") ?? "web",
    operationDelayMs: whole("operation-delay-ms", 1_000, 3_600_000),
    bootDelayMs: whole("boot-delay-ms", 3_000, 3_600_000),
    faults,
  };
  if (poolId !== undefined) options.poolId = poolId;
  const key = text("key");
  const secret = text("secret");
  if (key !== undefined && secret !== undefined) {
    options.key = key;
    options.secret = secret;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}

export async function runEmulatorCommand(
  argv: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<RunningService> {
  const options = parseEmulatorArgs(argv);
  const logger = createLogger("emulator", { write: (line) => process.stderr.write(`${line}\n`) });
  const credential = options.key && options.secret ? { key: options.key, secret: options.secret } : generateCredential();
  const emulator = await startEmulator({
    port: options.port,
    host: options.host,
    zone: options.zone,
    credentials: [credential],
    operationDelayMs: options.operationDelayMs,
    bootDelayMs: options.bootDelayMs,
    faults: options.faults,
  });
  const pool = emulator.createPool({
    size: options.poolSize,
    name: options.poolName,
    ...(options.poolId ? { id: options.poolId } : {}),
  });
  emulator.events.on("instance", (instance: InstanceSnapshot) => {
    logger.info("instance state", { instance: instance.id, pool: instance.poolId, ip: instance.publicIp, state: instance.state });
  });
  emulator.events.on("operation", (operation: OperationSnapshot) => {
    logger.info("operation finished", { operation: operation.id, command: operation.command, state: operation.state });
  });
  out(`EXOSCALE_API_ENDPOINT=${emulator.url}`);
  out(`EXOSCALE_KEY=${emulator.key}`);
  out(`EXOSCALE_SECRET=${emulator.secret}`);
  out(`EXOSCALE_ZONE=${emulator.zone}`);
  out(`EXOSCALE_INSTANCEPOOL_ID=${pool.id}`);
  logger.info("emulator listening", { url: emulator.url, pool: pool.id, size: pool.size });
  return { stop: () => emulator.close() };
}
