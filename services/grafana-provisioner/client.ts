/**
 * The Grafana HTTP API client the provisioner uses, on ky (like the Exoscale client): Basic auth as the
 * admin user, a per-attempt timeout, and a few retries with backoff on 5xx, timeouts and network errors,
 * never on 4xx (Grafana's answer would not change). Every write sends `X-Disable-Provenance: true`: without
 * it Grafana locks provisioned alerting objects against edits in its UI.
 *
 * Answers below 500 other than 401/403 come back to the caller, which knows what a 404 or 409 means for
 * its object; everything else becomes one of the typed errors in errors.ts.
 *
 * POSTs are retried too: every object we create has a fixed uid, so a create repeated after a lost answer
 * at worst meets its own first attempt (409 or "uid exists"), which each step treats as "it exists".
 */
import ky, { HTTPError, TimeoutError, type KyInstance } from "ky";
import { isRecord } from "../../lib/shared/json.js";
import type { Logger } from "../../lib/shared/log.js";
import {
  GrafanaAuthError,
  GrafanaError,
  GrafanaForbiddenError,
  GrafanaNetworkError,
  GrafanaServerError,
  GrafanaStoppedError,
  GrafanaTimeoutError,
} from "./errors.js";

export type Method = "GET" | "POST" | "PUT";

export interface GrafanaReply {
  status: number;
  body: unknown;
}

export interface GrafanaClient {
  readonly url: string;
  /** `what` says what the request is for ("create the folder …"), for error messages. */
  call(method: Method, path: string, what: string, json?: unknown): Promise<GrafanaReply>;
}

export interface GrafanaClientOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 (a sub-path such as /grafana is kept). */
  url: string;
  user: string;
  password: string;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  retry?: { limit?: number; baseDelayMs?: number; maxDelayMs?: number };
  fetch?: typeof fetch;
  logger?: Logger;
  /** Aborts any request in flight (SIGTERM). */
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const RETRIED_STATUSES = [500, 502, 503, 504];

/** Grafana's `{message}` from an error body, or the start of a body that is not JSON. */
export function grafanaMessage(body: unknown): string | undefined {
  if (isRecord(body) && typeof body["message"] === "string" && body["message"] !== "") return body["message"];
  if (typeof body === "string" && body.trim() !== "") return body.trim().slice(0, 200);
  return undefined;
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The innermost reason a fetch failed, e.g. `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:3000`. */
export function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function createGrafanaClient(options: GrafanaClientOptions): GrafanaClient {
  const url = options.url.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;
  const authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString("base64")}`;
  const http: KyInstance = ky.create({
    prefixUrl: `${url}/`,
    timeout: timeoutMs,
    // 4xx answers are the caller's to judge; only 5xx are thrown, so only they are retried.
    throwHttpErrors: (status) => status >= 500,
    retry: {
      limit: options.retry?.limit ?? 3,
      methods: ["get", "put", "post"],
      statusCodes: RETRIED_STATUSES,
      afterStatusCodes: [503],
      maxRetryAfter: 10_000,
      retryOnTimeout: true,
      backoffLimit: options.retry?.maxDelayMs ?? 4_000,
      delay: (attempt) => baseDelayMs * 2 ** (attempt - 1),
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    hooks: {
      beforeRequest: [
        (request) => {
          request.headers.set("Authorization", authorization);
          request.headers.set("Accept", "application/json");
          if (request.method !== "GET") request.headers.set("X-Disable-Provenance", "true");
        },
      ],
      beforeRetry: [
        ({ request, error, retryCount }) => {
          options.logger?.debug("retrying Grafana request", {
            method: request.method,
            path: new URL(request.url).pathname,
            attempt: retryCount + 1,
            cause: error instanceof HTTPError ? `HTTP ${error.response.status}` : error.message,
          });
        },
      ],
    },
  });

  async function translate(error: unknown, what: string): Promise<Error> {
    if (error instanceof GrafanaError) return error;
    if (options.signal?.aborted) return new GrafanaStoppedError(what);
    if (error instanceof HTTPError) {
      const body = parseBody(await error.response.text().catch(() => ""));
      return new GrafanaServerError(what, error.response.status, grafanaMessage(body));
    }
    if (error instanceof TimeoutError) return new GrafanaTimeoutError(url, what, timeoutMs, error);
    if (error instanceof TypeError) return new GrafanaNetworkError(url, what, networkReason(error), error);
    return error instanceof Error ? error : new Error(String(error));
  }

  return {
    url,
    async call(method, path, what, json) {
      let reply: GrafanaReply;
      try {
        const response = await http(path, { method, ...(json !== undefined ? { json } : {}) });
        reply = { status: response.status, body: parseBody(await response.text()) };
      } catch (error) {
        throw await translate(error, what);
      }
      if (reply.status === 401) throw new GrafanaAuthError(options.user, url);
      if (reply.status === 403) throw new GrafanaForbiddenError(options.user, what, grafanaMessage(reply.body));
      return reply;
    },
  };
}
