/**
 * One emulated pool member: on its own (loopback) address, the http-load-generator contract on the app port
 * and node_exporter's CPU counters on the exporter port, both driven by a modelled CPU (cpuModel.ts), so ten
 * members fit on a small laptop.
 *
 * App port (default 8080), as the original Go app (any method; the path decides, the query is ignored):
 *   /health → 200 `OK`; /load → a job for the CPU model, answered 200 `Load generation done.` when the model
 *   says it is done; anything else → 404 `404 page not found`. A client that leaves before its answer takes its
 *   job off the CPU.
 * Exporter port (default 9100): /metrics → `node_cpu_seconds_total` per CPU and mode, in the text format.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { PORTS } from "../../contracts/ports.js";
import { messageOf } from "../../lib/shared/errors.js";
import { closeServer, listen, urlOf } from "../../lib/shared/http.js";
import { CpuModel, renderCpuMetrics } from "./cpuModel.js";

export type TimerHandle = unknown;

export interface MemberClock {
  /** Time in ms (default Date.now). */
  now?: () => number;
  /** Default globalThis.setTimeout. */
  setTimer?: (callback: () => void, ms: number) => TimerHandle;
  /** Default globalThis.clearTimeout. */
  clearTimer?: (handle: TimerHandle) => void;
}

export interface MemberOptions extends MemberClock {
  /** The address both servers bind, e.g. 127.0.0.5. */
  address: string;
  /** App port (default 8080; 0 picks a free one). */
  appPort?: number;
  /** node_exporter port (default 9100; 0 picks a free one). */
  exporterPort?: number;
  /** CPUs the exporter reports (default 1); each job pins all of them. */
  cores?: number;
  /** Machine time one /load needs, in seconds (default 10). */
  loadCpuSeconds?: number;
}

export interface EmulatedMember {
  readonly address: string;
  /** e.g. http://127.0.0.5:8080 */
  readonly appUrl: string;
  /** e.g. http://127.0.0.5:9100/metrics */
  readonly metricsUrl: string;
  /** Seconds the machine has been busy since the member started, as of now. */
  busySeconds(): number;
  /** /load requests being worked on. */
  activeJobs(): number;
  /** Answers held /load requests 503, then closes both servers; idempotent. */
  stop(): Promise<void>;
}

const TEXT = "text/plain; charset=utf-8";
const METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function reply(res: ServerResponse, status: number, body: string, contentType = TEXT, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function pathOf(req: IncomingMessage): string {
  const raw = req.url ?? "/";
  const query = raw.indexOf("?");
  return query === -1 ? raw : raw.slice(0, query);
}

/** Resolves once the response has gone out or its connection is gone, so closing the server loses no answer. */
function settled(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once("finish", resolve);
    res.once("close", resolve);
  });
}

/**
 * A failed bind, saying which port and why; the error code (EADDRINUSE, …) is kept. A program listening on the
 * port's wildcard address (0.0.0.0:9100, such as a node_exporter installed on this machine) takes that port on
 * every 127.0.0.x too.
 */
function bindError(error: unknown, address: string, binding: string): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const why =
    code === "EADDRINUSE"
      ? "something else listens there, or on that port of 0.0.0.0 (e.g. a node_exporter on this machine); choose another port"
      : messageOf(error);
  return Object.assign(new Error(`emulated member: cannot listen on ${address}, ${binding}: ${why}`, { cause: error }), { code });
}

export async function startMember(options: MemberOptions): Promise<EmulatedMember> {
  const now = options.now ?? (() => Date.now());
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => globalThis.setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle: TimerHandle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>));
  const cores = options.cores ?? 1;
  if (!Number.isInteger(cores) || cores < 1) throw new RangeError(`cores must be a whole number ≥ 1, got ${cores}`);
  const model = new CpuModel({
    startMs: now(),
    ...(options.loadCpuSeconds === undefined ? {} : { loadCpuSeconds: options.loadCpuSeconds }),
  });
  /** The response waiting for each job. */
  const waiting = new Map<number, ServerResponse>();
  let timer: TimerHandle | undefined;
  let stopped = false;

  const answer = (finished: readonly number[]): void => {
    for (const id of finished) {
      const res = waiting.get(id);
      waiting.delete(id);
      if (res) reply(res, 200, "Load generation done.");
    }
  };

  /** One timer, always for the next job to finish: rescheduled whenever a job arrives, leaves or finishes. */
  const schedule = (): void => {
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
    const next = model.nextFinishMs();
    if (next === undefined || stopped) return;
    timer = setTimer(
      () => {
        timer = undefined;
        answer(model.advance(now()));
        schedule();
      },
      Math.max(0, Math.ceil(next - now())),
    );
  };

  const startJob = (res: ServerResponse): void => {
    const { id, finished } = model.start(now());
    waiting.set(id, res);
    answer(finished);
    res.once("close", () => {
      // Closed before the answer went out: the client left, so its job leaves the CPU.
      if (!waiting.has(id)) return;
      waiting.delete(id);
      answer(model.cancel(id, now()).finished);
      schedule();
    });
    schedule();
  };

  const app = createServer((req, res) => {
    const path = pathOf(req);
    // The request body is not read by the original either; drain it so the connection stays usable.
    req.resume();
    if (stopped) reply(res, 503, "member stopping", TEXT, { Connection: "close" });
    else if (path === "/health") reply(res, 200, "OK");
    else if (path === "/load") startJob(res);
    else reply(res, 404, "404 page not found\n");
  });
  const exporter = createServer((req, res) => {
    req.resume();
    const path = pathOf(req);
    if (path === "/metrics") {
      answer(model.advance(now()));
      schedule();
      reply(res, 200, renderCpuMetrics(model.times(), cores), METRICS_TYPE);
    } else if (path === "/") {
      reply(res, 200, "Node Exporter (emulated)\nMetrics: /metrics\n");
    } else reply(res, 404, "404 page not found\n");
  });

  const servers: Server[] = [app, exporter];
  let appUrl: string;
  let metricsUrl: string;
  const appPort = options.appPort ?? PORTS.app;
  const exporterPort = options.exporterPort ?? PORTS.nodeExporter;
  let binding = `app port ${appPort}`;
  try {
    appUrl = urlOf(await listen(app, appPort, options.address));
    binding = `exporter port ${exporterPort}`;
    metricsUrl = `${urlOf(await listen(exporter, exporterPort, options.address))}/metrics`;
  } catch (error) {
    await Promise.all(servers.map((server) => closeServer(server)));
    throw bindError(error, options.address, binding);
  }

  let stopping: Promise<void> | undefined;
  return {
    address: options.address,
    appUrl,
    metricsUrl,
    busySeconds() {
      answer(model.advance(now()));
      schedule();
      return model.times().busySeconds;
    },
    activeJobs() {
      answer(model.advance(now()));
      schedule();
      return model.activeJobs;
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (timer !== undefined) clearTimer(timer);
        timer = undefined;
        const held = [...waiting.values()];
        waiting.clear();
        for (const res of held) reply(res, 503, "member stopping", TEXT, { Connection: "close" });
        await Promise.all(held.map(settled));
        await Promise.all(servers.map((server) => closeServer(server)));
      })();
      return stopping;
    },
  };
}
