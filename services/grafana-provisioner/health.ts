/**
 * Waiting for Grafana: right after `systemctl start grafana-server` it refuses connections, then answers
 * 503 while its database migrates. /api/health needs no credentials and says `"database": "ok"` once
 * Grafana can serve the API; we poll it until then or until GRAFANA_WAIT_SECONDS have passed.
 */
import ky, { TimeoutError } from "ky";
import { isRecord } from "../../lib/shared/json.js";
import type { Logger } from "../../lib/shared/log.js";
import { networkReason } from "./client.js";
import { GrafanaStoppedError, GrafanaUnreachableError } from "./errors.js";

export interface WaitOptions {
  url: string;
  /** Give up after this long (0: one probe). */
  waitMs: number;
  /** Between probes (default 1 s). */
  intervalMs?: number;
  /** Longest a single probe may take (default 5 s; near the deadline 1 s, so the wait may overrun by that). */
  probeTimeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
  signal?: AbortSignal;
  now?: () => number;
}

/** Healthy (with Grafana's version when it says), or what is wrong, in words for the final error. */
export type ProbeResult = { ok: true; version?: string } | { ok: false; problem: string };

export async function probeHealth(url: string, timeoutMs: number, fetchImpl?: typeof fetch, signal?: AbortSignal): Promise<ProbeResult> {
  try {
    const response = await ky.get(`${url}/api/health`, {
      timeout: timeoutMs,
      retry: 0,
      throwHttpErrors: false,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
    const database = isRecord(body) && typeof body["database"] === "string" ? body["database"] : undefined;
    if (response.status === 200 && database === "ok") {
      const version = isRecord(body) && typeof body["version"] === "string" ? body["version"] : undefined;
      return version === undefined ? { ok: true } : { ok: true, version };
    }
    if (database !== undefined) return { ok: false, problem: `${response.status} with database "${database}"` };
    return { ok: false, problem: `${response.status} without a database status (is GRAFANA_URL Grafana?)` };
  } catch (error) {
    if (signal?.aborted) throw error;
    if (error instanceof TimeoutError) return { ok: false, problem: `no answer within ${timeoutMs} ms` };
    return { ok: false, problem: networkReason(error) };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Resolves with Grafana's version once healthy; throws GrafanaUnreachableError naming the URL and the wait. */
export async function waitForGrafana(options: WaitOptions): Promise<string | undefined> {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 1_000;
  const started = now();
  const deadline = started + options.waitMs;
  let logged = false;
  for (;;) {
    if (options.signal?.aborted) throw new GrafanaStoppedError("report its health");
    // At least 1 s even at the deadline: a slow answer is still an answer, and says more than a timeout.
    const timeout = Math.min(options.probeTimeoutMs ?? 5_000, Math.max(1_000, deadline - now()));
    let result: ProbeResult;
    try {
      result = await probeHealth(options.url, timeout, options.fetch, options.signal);
    } catch {
      throw new GrafanaStoppedError("report its health");
    }
    if (result.ok) {
      if (logged) options.logger?.info("Grafana is ready", { url: options.url, waitedSeconds: Math.round((now() - started) / 1000) });
      return result.version;
    }
    const left = deadline - now();
    if (left <= 0) throw new GrafanaUnreachableError(options.url, options.waitMs, result.problem);
    if (!logged) {
      options.logger?.info("waiting for Grafana", { url: options.url, problem: result.problem, waitSeconds: options.waitMs / 1000 });
      logged = true;
    }
    // The last probe runs at the deadline, so a Grafana that comes up just in time is still seen.
    await sleep(Math.min(interval, left), options.signal);
  }
}
