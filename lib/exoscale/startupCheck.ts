/**
 * One read of each pool when a service starts, so a wrong key, secret, role, pool id or zone stops it at
 * once with exit 2 and the fix, instead of a service that runs and fails on every interval. An API that is
 * merely unreachable does not stop it: the service starts and keeps trying, as it does during a later outage.
 */
import { ConfigError } from "../shared/env.js";
import { messageOf } from "../shared/errors.js";
import type { Logger } from "../shared/log.js";
import { ExoscaleAuthError, ExoscaleNotFoundError } from "./errors.js";
import type { ComputeApi } from "./types.js";

/** The message logged (once) when the API cannot be reached at start-up. */
export const API_UNREACHABLE_AT_START = "API not reachable at start-up; will keep trying";

/**
 * Reads each pool once, in parallel. A 401/403 or a 404 throws a ConfigError whose problems are the client's
 * messages (they name the fix): one for the credentials, however many pools they failed on, and one per pool
 * not found. Any other failure (network, 5xx, timeout, rate limit) logs one warning and returns.
 */
export async function checkApiAccess(api: Pick<ComputeApi, "getInstancePool">, poolIds: readonly string[], logger: Logger): Promise<void> {
  const results = await Promise.allSettled(poolIds.map((poolId) => api.getInstancePool(poolId)));
  const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
  const auth = failures.find((error) => error instanceof ExoscaleAuthError);
  const notFound = failures.filter((error) => error instanceof ExoscaleNotFoundError);
  const refused = [...(auth === undefined ? [] : [auth]), ...notFound];
  if (refused.length > 0) {
    throw new ConfigError(refused.map((error) => `start-up check: ${messageOf(error)}`));
  }
  if (failures.length > 0) {
    logger.warn(API_UNREACHABLE_AT_START, { error: messageOf(failures[0]), pools: poolIds.length, failed: failures.length });
  }
}
