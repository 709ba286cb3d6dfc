/**
 * Typed errors of the Exoscale API client. Each message names the likely fix, because these end up in
 * a service's log line and the operator reading it should not need the source to act.
 */
import type { Operation } from "./types.js";

/** A short, metric-label-friendly category of failure. */
export type ExoscaleErrorKind = "auth" | "not_found" | "rate_limit" | "server" | "request" | "network" | "timeout" | "operation";

export interface ExoscaleErrorDetails {
  /** HTTP status, absent when no response arrived (network error, timeout). */
  status?: number;
  method?: string;
  /** API path including /v2. */
  path?: string;
  /** The API's own message from the error body, when there was one. */
  apiMessage?: string;
  cause?: unknown;
}

export class ExoscaleApiError extends Error {
  readonly kind: ExoscaleErrorKind;
  readonly status: number | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly apiMessage: string | undefined;

  constructor(message: string, kind: ExoscaleErrorKind, details: ExoscaleErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.apiMessage = details.apiMessage;
  }
}

/** 401/403: the key or secret is wrong, the key is revoked, or its IAM role does not allow the operation. */
export class ExoscaleAuthError extends ExoscaleApiError {
  constructor(details: ExoscaleErrorDetails & { key?: string; zone?: string }) {
    const key = details.key ? ` ${maskKey(details.key)}` : "";
    const request = `${details.method ?? "request"} ${details.path ?? ""}`.trim();
    const said = details.apiMessage ? ` (API said: ${details.apiMessage})` : "";
    const message =
      details.status === 403
        ? `Exoscale API key${key} is not allowed ${request} (403 Forbidden): check that the key's IAM role grants ` +
          `this operation${details.zone ? ` in zone ${details.zone}` : ""}, and that the key and secret are the intended ones${said}`
        : `Exoscale API rejected the credentials for ${request} (401 Unauthorized): check the API key${key}, its secret ` +
          `(EXOSCALE_KEY / EXOSCALE_SECRET) and the key's IAM role; a wrong system clock also breaks signatures${said}`;
    super(message, "auth", details);
  }
}

/** 404: the resource does not exist in the zone the client talks to. */
export class ExoscaleNotFoundError extends ExoscaleApiError {
  readonly resource: string;
  /** `hint`: a likelier cause the client knows of, appended to the message. */
  constructor(resource: string, details: ExoscaleErrorDetails & { zone?: string; hint?: string }) {
    super(
      `${resource} not found${details.zone ? ` in zone ${details.zone}` : ""}: check the id and that ` +
        `EXOSCALE_ZONE is the zone it lives in${details.apiMessage ? ` (API said: ${details.apiMessage})` : ""}` +
        `${details.hint ? `; ${details.hint}` : ""}`,
      "not_found",
      details,
    );
    this.resource = resource;
  }
}

/** 429 after every retry was spent. */
export class ExoscaleRateLimitError extends ExoscaleApiError {
  /** Seconds the API asked us to wait, when it said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(details: ExoscaleErrorDetails & { retryAfterSeconds?: number }) {
    super(
      `Exoscale API rate limit hit on ${details.method} ${details.path} and retries were exhausted; ` +
        `call less often (e.g. raise the polling interval)`,
      "rate_limit",
      details,
    );
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** 5xx after every retry was spent. */
export class ExoscaleServerError extends ExoscaleApiError {
  constructor(details: ExoscaleErrorDetails) {
    super(
      `Exoscale API failed with ${details.status} on ${details.method} ${details.path} after retries` +
        `${details.apiMessage ? ` (API said: ${details.apiMessage})` : ""}; try again later`,
      "server",
      details,
    );
  }
}

/** Other 4xx: the request itself is wrong (bad size, bad id format...). */
export class ExoscaleRequestError extends ExoscaleApiError {
  constructor(details: ExoscaleErrorDetails) {
    super(
      `Exoscale API rejected ${details.method} ${details.path} with ${details.status}` +
        `${details.apiMessage ? `: ${details.apiMessage}` : ""}`,
      "request",
      details,
    );
  }
}

/** No response: DNS, refused connection, reset... */
export class ExoscaleNetworkError extends ExoscaleApiError {
  constructor(details: ExoscaleErrorDetails & { endpoint: string }) {
    const reason = details.cause instanceof Error ? describeCause(details.cause) : "network error";
    super(
      `cannot reach the Exoscale API at ${details.endpoint} (${reason}) for ${details.method} ${details.path}: ` +
        `check EXOSCALE_ZONE / EXOSCALE_API_ENDPOINT and the network`,
      "network",
      details,
    );
  }
}

export class ExoscaleTimeoutError extends ExoscaleApiError {
  constructor(details: ExoscaleErrorDetails & { timeoutMs: number }) {
    super(`Exoscale API did not answer ${details.method} ${details.path} within ${details.timeoutMs} ms`, "timeout", details);
  }
}

/** An operation ended in failure/timeout, or did not finish within the wait. */
export class ExoscaleOperationError extends ExoscaleApiError {
  readonly operation: Operation;
  constructor(operation: Operation, message?: string) {
    super(
      message ??
        `Exoscale operation ${operation.id} ended in state ${operation.state}` +
          `${operation.reason ? ` (reason: ${operation.reason})` : ""}${operation.message ? `: ${operation.message}` : ""}`,
      "operation",
      {},
    );
    this.operation = operation;
  }
}

/** Keys are not secret, but a log needs only enough to recognise which one. */
export function maskKey(key: string): string {
  return key.length <= 8 ? key : `${key.slice(0, 8)}…`;
}

function describeCause(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}
