/**
 * The scaler's HTTP face: signal inputs (/up, /down, /webhook), /status, /metrics. Validation and
 * auth happen here; recording is instant, so senders get their answer at once and the loop acts later.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import { messageOf } from "../../lib/shared/errors.js";
import { isRecord } from "../../lib/shared/json.js";
import type { Logger } from "../../lib/shared/log.js";
import { sendMetrics } from "../../lib/shared/metricsServer.js";
import { authenticate, type AuthSettings } from "./auth.js";
import { createLineThrottle } from "./lineThrottle.js";
import type { ScalerMetrics, WebhookOutcome } from "./metrics.js";
import { parseNotification, type Direction } from "./signals.js";
import type { RecordOutcome, SignalStore } from "./signalStore.js";

/** Per-request lines of one kind are written at most once in this window (the metrics count them all). */
export const REQUEST_LOG_WINDOW_MS = 10_000;

export interface AppOptions {
  store: SignalStore;
  auth: AuthSettings;
  bodyLimitBytes: number;
  cpuValueRef: string;
  metrics: ScalerMetrics;
  logger: Logger;
  /** What GET /status shows. */
  status: () => unknown;
  /** When the next tick will act on what was recorded (for the 202 body). */
  nextTickAt?: () => string | undefined;
  now?: () => number;
  /** Awaited before a 202 is sent, so what was acknowledged survives a restart (the state file). */
  persist?: () => Promise<void>;
}

const SIGNAL_METHODS = new Set(["GET", "POST", "PUT"]);
/** Outcomes a restart must not forget: the 202 waits until they are in STATE_FILE. */
export const DURABLE_OUTCOMES: ReadonlySet<RecordOutcome> = new Set(["queued", "asserted", "withdrawn"]);

export function createApp(options: AppOptions): express.Express {
  const { store, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const app = express();
  app.disable("x-powered-by");
  // Every answer is small and fresh: hashing each one for an ETag nobody sends back is wasted work.
  app.set("etag", false);

  const throttle = createLineThrottle(REQUEST_LOG_WINDOW_MS);
  const reject = (res: Response, status: number, outcome: WebhookOutcome, error: string, req: Request): void => {
    metrics.webhooks.inc({ outcome });
    const skipped = throttle.admit(`rejected ${status}`, now());
    if (skipped !== undefined) {
      logger.warn("request rejected", {
        path: req.path,
        method: req.method,
        status,
        error,
        remote: req.socket.remoteAddress,
        ...(skipped > 0 ? { alsoRejectedSinceLastLine: skipped } : {}),
      });
    }
    res.status(status).json({ error });
  };

  const signalHandler =
    (pathDirection: Direction | undefined) =>
    async (req: Request, res: Response): Promise<void> => {
      if (!SIGNAL_METHODS.has(req.method)) {
        res.set("Allow", "GET, POST, PUT");
        reject(res, 405, "bad_request", `method ${req.method} not allowed; use GET, POST or PUT`, req);
        return;
      }
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const auth = authenticate(req.headers, body, options.auth, now());
      if (!auth.ok) {
        reject(res, 401, "unauthorized", auth.reason, req);
        return;
      }
      const parsed = parseNotification(body.toString("utf8"), {
        ...(pathDirection !== undefined ? { pathDirection } : {}),
        cpuValueRef: options.cpuValueRef,
      });
      if (!parsed.ok) {
        reject(res, 400, "bad_request", parsed.error, req);
        return;
      }
      const results = store.record(parsed.value.signals, now());
      for (const r of results) metrics.signals.inc({ direction: r.direction, status: r.status, outcome: r.outcome });
      metrics.webhooks.inc({ outcome: "accepted" });
      const skipped = throttle.admit(`accepted ${parsed.value.format}`, now());
      if (skipped !== undefined)
        logger.info("signal received", {
          ...(skipped > 0 ? { alsoReceivedSinceLastLine: skipped } : {}),
          path: req.path,
          format: parsed.value.format,
          auth: auth.method,
          recorded: results.map((r) => `${r.direction} ${r.status} ${r.outcome}`),
          ...(parsed.value.ignored.length > 0 ? { ignored: parsed.value.ignored } : {}),
        });
      // What a restart must not lose (a new request, a new alert, a withdrawal) is on disk before the 202.
      // A repeat of a held alert only moves its last-seen time and value: saved soon, not waited for.
      if (results.some((r) => DURABLE_OUTCOMES.has(r.outcome))) await options.persist?.();
      else if (results.length > 0) void options.persist?.();
      const nextTickAt = options.nextTickAt?.();
      res.status(202).json({
        format: parsed.value.format,
        recorded: results,
        ...(parsed.value.ignored.length > 0 ? { ignored: parsed.value.ignored } : {}),
        ...(nextTickAt !== undefined ? { nextTickAt } : {}),
      });
    };

  // Raw bytes: the HMAC is computed over the body exactly as sent, whatever its content type.
  const body = express.raw({ type: () => true, limit: options.bodyLimitBytes });
  app.all("/up", body, signalHandler("up"));
  app.all("/down", body, signalHandler("down"));
  app.all("/webhook", body, signalHandler(undefined));

  app.get("/status", (_req, res) => {
    res.json(options.status());
  });
  app.get("/metrics", (_req, res) => {
    sendMetrics(metrics.registry, res);
  });
  app.get("/health", (_req, res) => {
    res.type("text/plain").send("OK");
  });

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}; try /up, /down, /webhook, /status or /metrics` });
  });

  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const type = isRecord(error) && "type" in error ? String(error["type"]) : "";
    if (type === "entity.too.large") {
      reject(res, 413, "too_large", `body larger than ${options.bodyLimitBytes} bytes`, req);
      return;
    }
    const status = isRecord(error) && "status" in error ? Number(error["status"]) : 500;
    if (status >= 400 && status < 500) {
      reject(res, status, "bad_request", error instanceof Error ? error.message : "bad request", req);
      return;
    }
    metrics.webhooks.inc({ outcome: "error" });
    logger.error("request failed", { path: req.path, error: messageOf(error) });
    res.status(500).json({ error: "internal error" });
  });
  return app;
}
