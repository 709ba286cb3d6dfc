/**
 * Exoscale compute API v2 client (the subset in ComputeApi), on ky.
 *
 * - Every attempt is signed afresh in a `beforeRequest` hook, so a retry after a long Retry-After never
 *   reuses an expired signature.
 * - Timeouts are per attempt. Retries use exponential backoff with jitter and honour Retry-After.
 * - GETs and the absolute-size `:scale` PUT are retried on 408/429/5xx, network errors and timeouts: repeating
 *   "make the pool N big" is harmless. `:evict` is retried only on 429, when the API has said it did not act:
 *   after a 5xx, a reset connection or a timeout the eviction may already have happened, and repeating it could
 *   fail on members that are gone. The error goes to the caller as it is; the scaler re-reads the pool on
 *   its next tick anyway, so it decides again from what actually happened.
 */
import ky, { HTTPError, TimeoutError, type KyInstance, type RetryOptions } from "ky";
import { toError } from "../shared/errors.js";
import type { Logger } from "../shared/log.js";
import {
  ExoscaleApiError,
  ExoscaleAuthError,
  ExoscaleNetworkError,
  ExoscaleNotFoundError,
  ExoscaleOperationError,
  ExoscaleRateLimitError,
  ExoscaleRequestError,
  ExoscaleServerError,
  ExoscaleTimeoutError,
} from "./errors.js";
import { DEFAULT_SIGNATURE_TTL_SECONDS, signRequest } from "./signing.js";
import type { ComputeApi, Instance, Operation, WaitOptions } from "./types.js";
import { errorMessageOf, listOf, toInstance, toInstancePool, toOperation } from "./wire.js";
import { zoneEndpoint } from "../../contracts/zones.js";

export interface ExoscaleRetryOptions {
  /** Retries after the first attempt (default 3). */
  limit?: number;
  /** First backoff delay in ms, doubled on each retry (default 500). */
  baseDelayMs?: number;
  /** Cap on one backoff delay in ms (default 8000). */
  maxDelayMs?: number;
  /** Cap on a server-requested Retry-After in ms (default 60000). */
  maxRetryAfterMs?: number;
  /**
   * Most time (ms) one call may spend waiting to retry, counted from its first attempt: a retry whose wait
   * (backoff or Retry-After) would end past it is not made, and the last error goes to the caller. A caller
   * that runs on a period (the scaler's tick) sets it well under the period. Default: no bound.
   */
  budgetMs?: number;
}

export interface ExoscaleClientOptions {
  key: string;
  secret: string;
  zone: string;
  /** Full base URL including /v2; defaults to https://api-{zone}.exoscale.com/v2. */
  endpoint?: string;
  /** Per-attempt timeout in ms (default 10000). */
  timeoutMs?: number;
  retry?: ExoscaleRetryOptions;
  fetch?: typeof fetch;
  /** Clock in ms, for signature expiry and operation waits. */
  now?: () => number;
  logger?: Logger;
  /** How long each signature stays valid (default 600 s, as the official SDKs). */
  signatureTtlSeconds?: number;
  /** Randomness for backoff jitter (default Math.random). */
  random?: () => number;
  /** Defaults for waitForOperation. */
  wait?: WaitOptions;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_WAIT_INTERVAL_MS = 2_000;

type RetryMode = "safe" | "only-if-refused";

interface CallOptions {
  method: "get" | "put";
  path: string;
  searchParams?: Record<string, string>;
  json?: unknown;
  retry?: RetryMode;
  /** What to call the resource in a 404 message, e.g. `instance pool 1234…`. */
  resource: string;
}

/** The endpoint a client for this zone talks to, honouring an explicit override. */
export function resolveEndpoint(zone: string, endpoint?: string): string {
  return (endpoint ?? zoneEndpoint(zone)).replace(/\/+$/, "");
}

export function createExoscaleClient(options: ExoscaleClientOptions): ComputeApi {
  const endpoint = resolveEndpoint(options.zone, options.endpoint);
  const basePath = new URL(endpoint).pathname.replace(/\/+$/, "");
  // Every API v2 path starts with /v2: an endpoint without it turns every call into a 404.
  const missingV2 = !basePath.endsWith("/v2");
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const ttl = options.signatureTtlSeconds ?? DEFAULT_SIGNATURE_TTL_SECONDS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const limit = options.retry?.limit ?? 3;
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 8_000;
  const maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 60_000;
  const budgetMs = options.retry?.budgetMs;
  const logger = options.logger;

  const http: KyInstance = ky.create({
    prefixUrl: `${endpoint}/`,
    timeout: timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    hooks: {
      beforeRequest: [
        async (request) => {
          const url = new URL(request.url);
          const body = request.body === null ? "" : await request.clone().text();
          const authorization = signRequest(
            { key: options.key, secret: options.secret },
            {
              method: request.method,
              path: url.pathname,
              body,
              query: url.searchParams.entries(),
              expires: Math.floor(now() / 1000) + ttl,
            },
          );
          request.headers.set("Authorization", authorization);
          request.headers.set("Accept", "application/json");
        },
      ],
      beforeRetry: [
        ({ request, error, retryCount }) => {
          // Debug: retries are routine, and a failure that outlasts them reaches the caller, which logs it once.
          logger?.debug("retrying Exoscale API request", {
            method: request.method,
            path: new URL(request.url).pathname,
            attempt: retryCount + 1,
            cause: error instanceof HTTPError ? `HTTP ${error.response.status}` : error.message,
          });
        },
      ],
    },
  });

  /** The wait before retry number `retryCount` (1-based), as ky will take it, jitter left out (it only shortens). */
  const waitBefore = (error: Error, retryCount: number): number => {
    if (error instanceof HTTPError && (error.response.status === 429 || error.response.status === 503)) {
      const seconds = Number(error.response.headers.get("Retry-After"));
      if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, maxRetryAfterMs);
    }
    return Math.min(baseDelayMs * 2 ** (retryCount - 1), maxDelayMs);
  };

  const retryOptions = (mode: RetryMode, startedAt: number, request: string): RetryOptions => {
    /** False once a retry would wait past the call's budget: the caller then hears the error now. */
    const affordable = (error: Error, retryCount: number): boolean => {
      if (budgetMs === undefined) return true;
      const wait = waitBefore(error, retryCount);
      if (now() - startedAt + wait <= budgetMs) return true;
      logger?.debug("not retrying: the wait would pass the call's retry budget", { request, waitMs: wait, budgetMs });
      return false;
    };
    const common: RetryOptions = {
      limit,
      methods: ["get", "put"],
      afterStatusCodes: [429, 503],
      maxRetryAfter: maxRetryAfterMs,
      backoffLimit: maxDelayMs,
      delay: (attempt) => baseDelayMs * 2 ** (attempt - 1),
      // Half-jitter: keeps a floor so retries are not instant, spreads clients apart.
      jitter: (delay) => delay * (0.5 + random() / 2),
    };
    if (mode === "safe") {
      // ky does not retry a timeout unless asked.
      return {
        ...common,
        statusCodes: [408, 429, 500, 502, 503, 504],
        retryOnTimeout: true,
        shouldRetry: ({ error, retryCount }) => (affordable(error, retryCount) ? undefined : false),
      };
    }
    return {
      ...common,
      statusCodes: [429],
      // No response (network error, timeout) means no status: whether the API acted is unknown, so do not
      // repeat. shouldRetry takes precedence over ky's other checks, timeouts included.
      shouldRetry: ({ error, retryCount }) => (error instanceof HTTPError && affordable(error, retryCount) ? undefined : false),
    };
  };

  async function call(options: CallOptions): Promise<unknown> {
    const path = `${basePath}/${options.path}`;
    const method = options.method.toUpperCase();
    try {
      const response = await http(options.path, {
        method: options.method,
        retry: retryOptions(options.retry ?? "safe", now(), `${method} ${path}`),
        ...(options.searchParams ? { searchParams: options.searchParams } : {}),
        ...(options.json !== undefined ? { json: options.json } : {}),
      });
      const text = await response.text();
      return text === "" ? {} : (JSON.parse(text) as unknown);
    } catch (error) {
      throw await translateError(error, { method, path, resource: options.resource });
    }
  }

  async function translateError(error: unknown, context: { method: string; path: string; resource: string }): Promise<Error> {
    if (error instanceof ExoscaleApiError) return error;
    const details = { method: context.method, path: context.path };
    if (error instanceof HTTPError) {
      const status = error.response.status;
      let body = "";
      try {
        body = await error.response.text();
      } catch {
        // body already consumed or stream broken: the status is enough
      }
      const apiMessage = errorMessageOf(body);
      const full = { ...details, status, ...(apiMessage ? { apiMessage } : {}), cause: error };
      if (status === 401 || status === 403) return new ExoscaleAuthError({ ...full, key: options.key, zone: options.zone });
      if (status === 404) {
        return new ExoscaleNotFoundError(context.resource, {
          ...full,
          zone: options.zone,
          ...(missingV2 ? { hint: `the endpoint ${endpoint} is probably missing /v2 (e.g. ${endpoint}/v2)` } : {}),
        });
      }
      if (status === 429) {
        const retryAfter = Number(error.response.headers.get("Retry-After"));
        return new ExoscaleRateLimitError({
          ...full,
          ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
        });
      }
      if (status >= 500) return new ExoscaleServerError(full);
      return new ExoscaleRequestError(full);
    }
    if (error instanceof TimeoutError) return new ExoscaleTimeoutError({ ...details, timeoutMs, cause: error });
    if (error instanceof TypeError || (error instanceof Error && error.name === "AbortError")) {
      return new ExoscaleNetworkError({ ...details, endpoint, cause: error });
    }
    return toError(error);
  }

  const id = (value: string): string => encodeURIComponent(value);

  const api: ComputeApi = {
    async getInstancePool(poolId) {
      const body = await call({ method: "get", path: `instance-pool/${id(poolId)}`, resource: `instance pool ${poolId}` });
      return toInstancePool(body);
    },
    async listPoolMembers(poolId): Promise<Instance[]> {
      const body = await call({
        method: "get",
        path: "instance",
        searchParams: { "manager-id": poolId, "manager-type": "instance-pool" },
        resource: `members of instance pool ${poolId}`,
      });
      return listOf(body, "instances", toInstance);
    },
    async scaleInstancePool(poolId, size): Promise<Operation> {
      if (!Number.isInteger(size) || size < 0) throw new RangeError(`pool size must be a whole number ≥ 0, got ${size}`);
      const body = await call({
        method: "put",
        path: `instance-pool/${id(poolId)}:scale`,
        json: { size },
        resource: `instance pool ${poolId}`,
      });
      return toOperation(body);
    },
    async evictInstancePoolMembers(poolId, instanceIds): Promise<Operation> {
      if (instanceIds.length === 0) throw new RangeError("evict needs at least one instance id");
      const body = await call({
        method: "put",
        path: `instance-pool/${id(poolId)}:evict`,
        json: { instances: [...instanceIds] },
        retry: "only-if-refused",
        resource: `instance pool ${poolId} or its member(s) ${instanceIds.join(", ")}`,
      });
      return toOperation(body);
    },
    async getOperation(operationId) {
      const body = await call({ method: "get", path: `operation/${id(operationId)}`, resource: `operation ${operationId}` });
      return toOperation(body);
    },
    async waitForOperation(operationId, waitOptions = {}): Promise<Operation> {
      const timeout = waitOptions.timeoutMs ?? options.wait?.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
      const interval = waitOptions.intervalMs ?? options.wait?.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
      const started = now();
      for (;;) {
        const operation = await api.getOperation(operationId);
        if (operation.state !== "pending") return operation;
        const waited = now() - started;
        if (waited + interval > timeout) {
          throw new ExoscaleOperationError(
            operation,
            `Exoscale operation ${operationId} still pending after ${Math.round(waited / 1000)} s ` +
              `(wait limit ${Math.round(timeout / 1000)} s); it may still finish`,
          );
        }
        await new Promise<void>((resolve) => setTimeout(resolve, interval));
      }
    },
  };
  return api;
}

/** Throws ExoscaleOperationError unless the operation succeeded. */
export function assertOperationSucceeded(operation: Operation): Operation {
  if (operation.state !== "success") throw new ExoscaleOperationError(operation);
  return operation;
}
