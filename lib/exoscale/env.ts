/**
 * The Exoscale settings every service reads from the same environment variables. One reader, so the SD
 * agent, the scaler and the sandbox tools validate them alike.
 */
import type { EnvReader } from "../shared/env.js";
import type { ExoscaleClientOptions } from "./client.js";
import { EXOSCALE_ZONES, isExoscaleZone } from "../../contracts/zones.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Exoscale resource ids (pools, instances, operations) are UUIDs. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export interface ExoscaleEnv {
  key: string;
  secret: string;
  zone: string;
  /** Full base URL including /v2, when not the zone's public endpoint. */
  endpoint?: string;
  /** Lower-cased, de-duplicated pool UUIDs; exactly one unless the caller allows several. */
  poolIds: string[];
  /** Per-attempt API timeout (EXOSCALE_API_TIMEOUT_SECONDS); retries come on top. */
  timeoutMs: number;
}

export interface ExoscaleEnvOptions {
  /** Accept a comma-separated list of pools (the SD agent); otherwise exactly one (the scaler). */
  multiplePools: boolean;
}

/** Records every problem on the reader; call `read.finish()` afterwards. */
export function readExoscaleEnv(read: EnvReader, options: ExoscaleEnvOptions): ExoscaleEnv {
  const key = read.requiredString("EXOSCALE_KEY", "the API key, EXO…");
  const secret = read.requiredString("EXOSCALE_SECRET", "the API key's secret");
  const zone = read.requiredString("EXOSCALE_ZONE", `one of ${EXOSCALE_ZONES.join(", ")}`);
  if (zone !== "" && !isExoscaleZone(zone)) {
    read.problem(`EXOSCALE_ZONE must be one of ${EXOSCALE_ZONES.join(", ")}, got "${zone}"`);
  }
  const poolHint = options.multiplePools ? "one or more instance pool UUIDs, comma-separated" : "an instance pool UUID";
  const poolIds = [...new Set(read.list("EXOSCALE_INSTANCEPOOL_ID", true, poolHint).map((id) => id.toLowerCase()))];
  if (!options.multiplePools && poolIds.length > 1) {
    read.problem(`EXOSCALE_INSTANCEPOOL_ID must name exactly one instance pool, got ${poolIds.length}`);
  }
  for (const id of poolIds) {
    if (!isUuid(id)) {
      read.problem(
        `EXOSCALE_INSTANCEPOOL_ID must be ${options.multiplePools ? "instance pool UUIDs (comma-separated)" : "an instance pool UUID"}, got "${id}"`,
      );
    }
  }
  const endpoint = readEndpoint(read);
  const timeoutSeconds = read.int("EXOSCALE_API_TIMEOUT_SECONDS", { default: 10, min: 1, max: 120 });
  return { key, secret, zone, poolIds, timeoutMs: timeoutSeconds * 1000, ...(endpoint !== undefined ? { endpoint } : {}) };
}

/** True when a URL's path ends in /v2 (a trailing slash tolerated): the API's base, not the host's root. */
function endsInV2(url: string): boolean {
  return /\/v2\/*$/.test(new URL(url).pathname);
}

/**
 * EXOSCALE_API_ENDPOINT, when set: the API's base URL including /v2. Without /v2 every request would get a
 * 404 that reads like a wrong pool id, so the missing suffix is refused here with the fix.
 */
function readEndpoint(read: EnvReader): string | undefined {
  const endpoint = read.optionalUrl("EXOSCALE_API_ENDPOINT");
  if (endpoint === undefined || endsInV2(endpoint)) return endpoint;
  read.problem(
    `EXOSCALE_API_ENDPOINT must be the API's full base URL including /v2, e.g. http://127.0.0.1:8081/v2, ` +
      `got "${read.optionalString("EXOSCALE_API_ENDPOINT") ?? endpoint}"`,
  );
  return undefined;
}

/** The client options for these settings; callers add timeouts, retries and a logger. */
export function clientOptionsFromEnv(env: ExoscaleEnv): ExoscaleClientOptions {
  return {
    key: env.key,
    secret: env.secret,
    zone: env.zone,
    timeoutMs: env.timeoutMs,
    ...(env.endpoint !== undefined ? { endpoint: env.endpoint } : {}),
  };
}
