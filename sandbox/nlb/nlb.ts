/**
 * An emulated Exoscale network load balancer for the local sandbox: one service, round-robin over the
 * targets that pass an HTTP health check, as `components/loadBalancer.ts` configures the real one
 * (listener 80 → members' 8080, GET /health every 5 s, timeout 3 s, retries 1).
 *
 * - Targets come from a function called on every request and every health round (the emulator's pool, or
 *   `memberHooks().addresses`). Each is an address (then `targetPort` is used) or `address:port`.
 * - Health: every `intervalMs`, GET `healthPath` on each target on a fresh connection, answered 200 within
 *   `timeoutMs`. `retries` consecutive failures take a target out, one success puts it (back) in. A target
 *   the NLB has not checked yet gets no traffic: it is checked as soon as it appears, and a request that
 *   finds no healthy target waits for such first checks (at most `timeoutMs`) before giving up.
 * - Traffic: each request goes to the next healthy target (round-robin per request), streamed both ways;
 *   the NLB's own `/health` is not special, it is proxied like any path. No healthy target: 503 with a body
 *   that says so. The chosen target fails before answering: 502; fails mid-answer: the client's connection is
 *   cut (the status is already sent). A client that leaves cancels its upstream request.
 *
 * The real NLB balances TCP connections (layer 4), not requests; balancing per request spreads a few
 * keep-alive clients over every member, which is what the demo's load needs to show.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { PORTS } from "../../contracts/ports.js";
import { messageOf } from "../../lib/shared/errors.js";
import { closeServer, listen, urlOf } from "../../lib/shared/http.js";
import type { Logger } from "../../lib/shared/log.js";

export type TimerHandle = unknown;

export interface NlbOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port; 0 picks a free one. */
  port: number;
  /** The current targets: addresses, or `address:port`. */
  targets: () => readonly string[];
  /** Port of targets given without one (default 8080). */
  targetPort?: number;
  /** Health check path (default /health). */
  healthPath?: string;
  /** Between health rounds, in ms (default 5000). */
  intervalMs?: number;
  /** One health check's timeout, in ms (default 3000). */
  timeoutMs?: number;
  /** Consecutive failed checks that take a target out (default 1). */
  retries?: number;
  /** Default globalThis.setTimeout; used for the health rounds and check timeouts. */
  setTimer?: (callback: () => void, ms: number) => TimerHandle;
  clearTimer?: (handle: TimerHandle) => void;
  /** Health changes (target up / down, added / removed) are logged here. */
  logger?: Logger;
}

export interface Nlb {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  /** The targets passing their health check now, in the order `targets()` gives them. */
  healthy(): string[];
  /** Runs a health round now (every target) and resolves when its checks are done. */
  checkNow(): Promise<void>;
  /** Stops the rounds and closes the listener, open client connections and upstream connections. Idempotent. */
  stop(): Promise<void>;
}

export interface TargetAddress {
  host: string;
  port: number;
}

/** Pure: `127.0.0.5` → that host on `defaultPort`; `127.0.0.5:18080` or `[::1]:18080` → host and port. */
export function parseTarget(target: string, defaultPort: number): TargetAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] === undefined ? defaultPort : Number(bracketed[2]) };
  const withPort = /^([^:]+):(\d+)$/.exec(target);
  if (withPort) return { host: withPort[1]!, port: Number(withPort[2]) };
  return { host: target, port: defaultPort };
}

type TargetStatus = "unchecked" | "up" | "down";

interface TargetState {
  readonly target: string;
  readonly address: TargetAddress;
  status: TargetStatus;
  failures: number;
  checking?: Promise<void>;
}

/** Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1), plus those `Connection` names. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = String(headers.connection ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.includes(name)) out[name] = value;
  }
  return out;
}

function reply(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

export async function startNlb(options: NlbOptions): Promise<Nlb> {
  const targetPort = options.targetPort ?? PORTS.app;
  const healthPath = options.healthPath ?? "/health";
  const intervalMs = options.intervalMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const retries = options.retries ?? 1;
  if (!Number.isInteger(retries) || retries < 1) throw new RangeError(`retries must be a whole number ≥ 1, got ${retries}`);
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => globalThis.setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle: TimerHandle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>));
  const logger = options.logger;

  const states = new Map<string, TargetState>();
  /** Health probes in flight, so stop() can cut them. */
  const probes = new Set<() => void>();
  const upstreamAgent = new Agent({ keepAlive: true });
  let roundTimer: TimerHandle | undefined;
  let stopped = false;
  let cursor = 0;

  /** Brings the target table in line with `targets()`: new ones are checked at once, gone ones forgotten. */
  const refresh = (): TargetState[] => {
    let listed: readonly string[];
    try {
      listed = options.targets();
    } catch (error) {
      logger?.warn("targets() failed; keeping the previous targets", { error: messageOf(error) });
      return [...states.values()];
    }
    const current = new Set(listed);
    for (const [target] of states) {
      if (!current.has(target)) {
        states.delete(target);
        logger?.info("target removed", { target });
      }
    }
    const ordered: TargetState[] = [];
    for (const target of current) {
      let state = states.get(target);
      if (!state) {
        state = { target, address: parseTarget(target, targetPort), status: "unchecked", failures: 0 };
        states.set(target, state);
        logger?.info("target added", { target });
        void check(state);
      }
      ordered.push(state);
    }
    return ordered;
  };

  /** One GET of the health path on a fresh connection: true for a 200 within the timeout. */
  const probe = (address: TargetAddress): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      let done = false;
      const finish = (ok: boolean): void => {
        if (done) return;
        done = true;
        clearTimer(timeout);
        probes.delete(cut);
        request.destroy();
        resolve(ok);
      };
      const cut = (): void => finish(false);
      const request = httpRequest({
        host: address.host,
        port: address.port,
        path: healthPath,
        method: "GET",
        agent: false,
        headers: { Connection: "close", "User-Agent": "sandbox-nlb-health-check" },
      });
      const timeout = setTimer(cut, timeoutMs);
      probes.add(cut);
      request.on("response", (response: IncomingMessage) => {
        response.resume();
        finish(response.statusCode === 200);
      });
      request.on("error", cut);
      request.end();
    });

  const check = (state: TargetState): Promise<void> => {
    if (stopped) return Promise.resolve();
    state.checking ??= (async () => {
      const ok = await probe(state.address);
      delete state.checking;
      if (stopped || states.get(state.target) !== state) return;
      if (ok) {
        if (state.status !== "up") logger?.info("target up", { target: state.target });
        state.status = "up";
        state.failures = 0;
        return;
      }
      state.failures += 1;
      if (state.failures >= retries && state.status !== "down") {
        if (state.status === "up") logger?.warn("target down", { target: state.target, failures: state.failures });
        state.status = "down";
      }
    })();
    return state.checking;
  };

  const round = async (): Promise<void> => {
    await Promise.all(refresh().map(check));
  };

  const scheduleRounds = (): void => {
    roundTimer = setTimer(() => {
      if (stopped) return;
      scheduleRounds();
      void round();
    }, intervalMs);
  };

  /** The next healthy target, waiting for first checks when nothing is healthy yet. */
  const choose = async (): Promise<TargetState | { none: number }> => {
    let listed = refresh();
    let up = listed.filter((state) => state.status === "up");
    if (up.length === 0) {
      const firstChecks = listed.filter((state) => state.status === "unchecked" && state.checking).map((state) => state.checking);
      if (firstChecks.length > 0) {
        await Promise.all(firstChecks);
        listed = refresh();
        up = listed.filter((state) => state.status === "up");
      }
    }
    if (up.length === 0) return { none: listed.length };
    const chosen = up[cursor % up.length]!;
    cursor = (cursor + 1) % Number.MAX_SAFE_INTEGER;
    return chosen;
  };

  const proxy = (req: IncomingMessage, res: ServerResponse, target: TargetState): void => {
    const upstream = httpRequest({
      host: target.address.host,
      port: target.address.port,
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      agent: upstreamAgent,
    });
    res.on("close", () => {
      // The client left (or the answer is done): never keep a member working for nobody.
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on("response", (answer: IncomingMessage) => {
      if (res.destroyed) {
        answer.resume();
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      answer.pipe(res);
      answer.on("error", () => res.destroy());
      answer.on("close", () => {
        // The target failed mid-answer: the status is sent, so all that is left is to cut the client off.
        if (!answer.complete) res.destroy();
      });
    });
    upstream.on("error", (error) => {
      if (res.headersSent) res.destroy();
      else reply(res, 502, `bad gateway: target ${target.target} failed: ${messageOf(error)}\n`);
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    req.on("error", () => res.destroy());
    choose().then(
      (chosen) => {
        if ("none" in chosen) {
          req.resume();
          reply(
            res,
            503,
            chosen.none === 0
              ? "service unavailable: the load balancer has no targets\n"
              : `service unavailable: none of ${chosen.none} target(s) passes the health check (GET ${healthPath}, 200 within ${timeoutMs} ms)\n`,
          );
          return;
        }
        proxy(req, res, chosen);
      },
      (error: unknown) => reply(res, 500, `load balancer error: ${messageOf(error)}\n`),
    );
  });

  const address = await listen(server, options.port, options.host ?? "127.0.0.1");
  await round();
  if (!stopped) scheduleRounds();

  let stopping: Promise<void> | undefined;
  return {
    url: urlOf(address),
    port: address.port,
    healthy: () =>
      refresh()
        .filter((state) => state.status === "up")
        .map((state) => state.target),
    checkNow: round,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (roundTimer !== undefined) clearTimer(roundTimer);
        for (const cut of [...probes]) cut();
        await closeServer(server);
        upstreamAgent.destroy();
      })();
      return stopping;
    },
  };
}
