/**
 * A strict local stand-in for Grafana's HTTP API, limited to the endpoints the provisioner calls: health,
 * data sources, folders, dashboards, and the alerting provisioning API (rule groups, contact points,
 * policies). Basic auth against the admin user, Grafana's `{message}` error bodies and status codes,
 * validation from Grafana's spec (model.ts, validate.ts). It can start "not ready" (503 from every
 * endpoint, or no listener at all) to rehearse a Grafana that is still starting, and fail the next few
 * matching requests to rehearse a flaky one. Tests read its state (`model`) and request log (`requests`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listen, urlOf } from "../../lib/shared/http.js";
import { FakeGrafanaModel, type Reply, type WriteMeta } from "./model.js";

export interface RequestEntry {
  time: string;
  method: string;
  /** Path and query as sent. */
  path: string;
  status: number;
  /** The request carried `X-Disable-Provenance: true`. */
  disableProvenance: boolean;
  /** Basic auth matched the admin user. */
  authenticated: boolean;
  ms: number;
}

export interface FakeGrafanaOptions {
  port?: number;
  host?: string;
  adminUser?: string;
  adminPassword: string;
  /** Not ready for this long after start (default 0). */
  notReadyMs?: number;
  /** `unavailable`: every endpoint answers 503 meanwhile (default); `refused`: nothing listens yet. */
  notReadyMode?: "unavailable" | "refused";
  /** Called once per answered request (the command logs it). */
  onRequest?: (entry: RequestEntry) => void;
  /** Largest accepted body (default 1 MiB). */
  bodyLimitBytes?: number;
  model?: FakeGrafanaModel;
}

export interface FailureRule {
  method?: string;
  /** Matched against the path without the query. */
  path: RegExp;
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Carry the request out, then answer with the failure: an answer lost on its way back. */
  afterHandling?: boolean;
}

export interface FakeGrafana {
  /** e.g. http://127.0.0.1:3000 (known even before a `refused` fake listens). */
  url: string;
  port: number;
  model: FakeGrafanaModel;
  requests: RequestEntry[];
  /** Resolves once it listens (at once unless it starts `refused`). */
  listening: Promise<void>;
  /** Ends the not-ready phase now (a `refused` fake starts listening), so a test need not race the clock. */
  becomeReady(): Promise<void>;
  /** Answers the next matching authenticated requests with this status and a `{message}` (before or after carrying them out). */
  failNext(rule: FailureRule): void;
  close(): Promise<void>;
}

type Handler = (input: { params: string[]; body: unknown; query: URLSearchParams; meta: WriteMeta }) => Reply;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

function routes(model: FakeGrafanaModel): Route[] {
  const p = (input: { params: string[] }, index: number): string => input.params[index] ?? "";
  return [
    {
      pattern: /^\/api\/datasources$/,
      methods: { GET: () => model.listDatasources(), POST: (i) => model.createDatasource(i.body, i.meta) },
    },
    {
      pattern: /^\/api\/datasources\/uid\/([^/]+)$/,
      methods: { GET: (i) => model.getDatasource(p(i, 0)), PUT: (i) => model.updateDatasource(p(i, 0), i.body, i.meta) },
    },
    { pattern: /^\/api\/folders$/, methods: { GET: () => model.listFolders(), POST: (i) => model.createFolder(i.body, i.meta) } },
    {
      pattern: /^\/api\/folders\/([^/]+)$/,
      methods: { GET: (i) => model.getFolder(p(i, 0)), PUT: (i) => model.updateFolder(p(i, 0), i.body, i.meta) },
    },
    { pattern: /^\/api\/dashboards\/db$/, methods: { POST: (i) => model.saveDashboard(i.body, i.meta) } },
    { pattern: /^\/api\/dashboards\/uid\/([^/]+)$/, methods: { GET: (i) => model.getDashboard(p(i, 0)) } },
    {
      pattern: /^\/api\/v1\/provisioning\/folder\/([^/]+)\/rule-groups\/([^/]+)$/,
      methods: {
        GET: (i) => model.getRuleGroup(p(i, 0), p(i, 1)),
        PUT: (i) => model.putRuleGroup(p(i, 0), p(i, 1), i.body, i.meta),
      },
    },
    {
      pattern: /^\/api\/v1\/provisioning\/contact-points$/,
      methods: {
        GET: (i) => model.listContactPoints(i.query.get("name") ?? undefined),
        POST: (i) => model.createContactPoint(i.body, i.meta),
      },
    },
    {
      pattern: /^\/api\/v1\/provisioning\/contact-points\/([^/]+)$/,
      methods: { PUT: (i) => model.updateContactPoint(p(i, 0), i.body, i.meta) },
    },
    {
      pattern: /^\/api\/v1\/provisioning\/policies$/,
      methods: { GET: () => model.getPolicies(), PUT: (i) => model.putPolicies(i.body, i.meta) },
    },
  ];
}

type Credentials = "ok" | "missing" | "wrong";

function checkBasicAuth(req: IncomingMessage, user: string, password: string): Credentials {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Basic\s+(\S+)$/i.exec(header.trim());
  if (match === null) return "missing";
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 && decoded.slice(0, colon) === user && decoded.slice(colon + 1) === password ? "ok" : "wrong";
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Picks a free loopback port by binding and releasing it, for a fake that must refuse connections first. */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  const address = await listen(probe, 0, host);
  await closeServer(probe);
  return address.port;
}

export async function startFakeGrafana(options: FakeGrafanaOptions): Promise<FakeGrafana> {
  const model = options.model ?? new FakeGrafanaModel();
  const host = options.host ?? "127.0.0.1";
  const adminUser = options.adminUser ?? "admin";
  const limit = options.bodyLimitBytes ?? 1024 * 1024;
  const table = routes(model);
  const requests: RequestEntry[] = [];
  const failures: Array<FailureRule & { left: number }> = [];
  let readyAt = Date.now() + (options.notReadyMs ?? 0);
  const unavailable = (options.notReadyMode ?? "unavailable") === "unavailable";

  const answer = async (req: IncomingMessage, pathname: string, query: URLSearchParams, credentials: Credentials): Promise<Reply> => {
    const method = req.method ?? "GET";
    if (unavailable && Date.now() < readyAt) {
      return pathname === "/api/health"
        ? { status: 503, body: { database: "failing", version: "starting" } }
        : { status: 503, body: { message: "Grafana is starting" } };
    }
    if (pathname === "/api/health") return method === "GET" ? model.health() : { status: 405, body: { message: "Method Not Allowed" } };
    if (credentials === "missing") return { status: 401, body: { message: "Unauthorized" } };
    if (credentials === "wrong")
      return { status: 401, body: { message: "Invalid username or password", messageId: "password-auth.failed", statusCode: 401 } };
    const route = table.find((r) => r.pattern.test(pathname));
    if (!route) return { status: 404, body: { message: "Not found" } };
    const handler = route.methods[method];
    if (!handler) return { status: 405, body: { message: "Method Not Allowed" } };
    const failure = failures.find((f) => f.left > 0 && f.path.test(pathname) && (f.method === undefined || f.method === method));
    if (failure) failure.left -= 1;
    const injected: Reply | undefined = failure && { status: failure.status, body: { message: `injected failure (${failure.status})` } };
    if (injected && failure?.afterHandling !== true) return injected;
    let body: unknown;
    if (method === "POST" || method === "PUT") {
      const text = await readBody(req, limit);
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          return { status: 400, body: { message: "bad request data" } };
        }
      }
    }
    const params = (route.pattern.exec(pathname) ?? []).slice(1).map((part) => decodeURIComponent(part));
    const meta: WriteMeta = { disableProvenance: req.headers["x-disable-provenance"] === "true" };
    const reply = handler({ params, body, query, meta });
    return injected ?? reply;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://grafana");
    const credentials = checkBasicAuth(req, adminUser, options.adminPassword);
    const send = (reply: Reply): void => {
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }).end(text);
      const entry: RequestEntry = {
        time: new Date(started).toISOString(),
        method: req.method ?? "GET",
        path: `${url.pathname}${url.search}`,
        status: reply.status,
        disableProvenance: req.headers["x-disable-provenance"] === "true",
        authenticated: credentials === "ok",
        ms: Date.now() - started,
      };
      requests.push(entry);
      options.onRequest?.(entry);
    };
    answer(req, url.pathname, url.searchParams, credentials).then(send, (error: unknown) =>
      send(
        error instanceof BodyTooLarge
          ? { status: 413, body: { message: "request body too large" } }
          : { status: 500, body: { message: String(error) } },
      ),
    );
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 5_000;
  let port: number;
  let listening: Promise<void>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let startListening: (() => void) | undefined;
  if (!unavailable && readyAt > Date.now()) {
    port = options.port === undefined || options.port === 0 ? await freePort(host) : options.port;
    listening = new Promise<void>((resolve, reject) => {
      startListening = () => {
        clearTimeout(timer);
        startListening = undefined;
        listen(server, port, host).then(() => resolve(), reject);
      };
      timer = setTimeout(() => startListening?.(), readyAt - Date.now());
    });
    // A late bind failure must not be an unhandled rejection; whoever awaits `listening` sees it.
    listening.catch(() => undefined);
  } else {
    const address = await listen(server, options.port ?? 0, host);
    port = address.port;
    listening = Promise.resolve();
  }
  return {
    url: urlOf({ address: host, family: host.includes(":") ? "IPv6" : "IPv4", port }),
    port,
    model,
    requests,
    listening,
    becomeReady() {
      readyAt = Date.now();
      startListening?.();
      return listening;
    },
    failNext(rule) {
      failures.push({ ...rule, left: rule.times ?? 1 });
    },
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      await closeServer(server);
    },
  };
}
