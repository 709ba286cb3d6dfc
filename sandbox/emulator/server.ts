/**
 * An HTTP emulator of the Exoscale API v2 subset we use: instance pools (get, list, scale, evict), instances
 * (get, list by manager), operations, zones. It checks every EXO2-HMAC-SHA256 signature and its expiry, serves
 * the OpenAPI's kebab-case shapes and `{"message": …}` error bodies, and can inject latency, 5xx, 429 with
 * Retry-After and failing operations.
 *
 * Order of handling: injected latency (the network is slow for everyone), body size (413), then the
 * signature (401), and only then scripted answers and fault rates, so an unsigned or badly signed request
 * always gets 401 as from the real API. A scripted answer is therefore used by the next *signed* request.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isUuid } from "../../lib/exoscale/env.js";
import { parseAuthorization, verifyRequest } from "../../lib/exoscale/signing.js";
import { messageOf } from "../../lib/shared/errors.js";
import { closeServer, listen, urlOf } from "../../lib/shared/http.js";
import { isRecord } from "../../lib/shared/json.js";
import {
  CloudModel,
  ModelError,
  systemClock,
  type EmulatorClock,
  type InstanceHooks,
  type OperationSnapshot,
  type PoolSnapshot,
  type PoolSpec,
} from "./model.js";
import { matchRoute, type Operation } from "./routes.js";

export type { EmulatorClock, InstanceHooks, InstanceSnapshot, OperationSnapshot, PoolSnapshot, PoolSpec } from "./model.js";

export interface EmulatorCredential {
  key: string;
  secret: string;
  /** Operation ids (OpenAPI operationId) this key's IAM role allows; all when absent. */
  operations?: string[];
}

export interface FaultOptions {
  /** Added to every response, in ms. */
  latencyMs?: number;
  /** Share (0–1) of requests answered with `errorStatus`. */
  errorRate?: number;
  /** Status for `errorRate` answers (default 503). */
  errorStatus?: number;
  /** Share (0–1) of requests answered 429. */
  rateLimitRate?: number;
  /** Retry-After (seconds) on 429 and 503 answers (default 1). */
  retryAfterSeconds?: number;
  /** Operations end in `failure`: always (true) or at this share (0–1). */
  failOperations?: boolean | number;
}

export interface ScriptedResponse {
  status: number;
  retryAfterSeconds?: number;
  message?: string;
}

export interface EmulatorOptions {
  port?: number;
  host?: string;
  credentials?: EmulatorCredential[];
  zone?: string;
  /** How long scale/evict operations stay pending (default 0). */
  operationDelayMs?: number;
  /** How long new members stay `starting` (default 0). */
  bootDelayMs?: number;
  faults?: FaultOptions;
  clock?: EmulatorClock;
  /** Randomness for fault rates (default Math.random). */
  random?: () => number;
  hooks?: InstanceHooks;
  /** Pools to create at start. */
  pools?: PoolSpec[];
  /** How many requests `requests` keeps (default 10000); the count keeps going. */
  requestLogLimit?: number;
}

export interface RequestRecord {
  /** Emulator clock, ms. */
  time: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** OpenAPI operationId when the route is known. */
  operation?: string;
  status: number;
  credential?: string;
  expires?: number;
  signature?: string;
  body: string;
  /** Why the request was refused, when it was. */
  error?: string;
}

export interface Emulator {
  /** Base URL including /v2, for EXOSCALE_API_ENDPOINT. */
  url: string;
  port: number;
  key: string;
  secret: string;
  zone: string;
  createPool(spec: PoolSpec): PoolSnapshot;
  pool(id: string): PoolSnapshot;
  operation(id: string): OperationSnapshot | undefined;
  setFaults(faults: FaultOptions): void;
  /** The next signed requests get these answers, in order, instead of being handled (see the header). */
  injectResponses(responses: ScriptedResponse[]): void;
  readonly requests: readonly RequestRecord[];
  readonly requestCount: number;
  /** Emits "request" (RequestRecord), "operation" (OperationSnapshot), "instance" (InstanceSnapshot). */
  readonly events: CloudModel["events"];
  /** True when no operation or boot is in flight. */
  readonly idle: boolean;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
/** Past this much of an oversized body (already answered 413), stop reading and drop the connection. */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function generateCredential(): EmulatorCredential {
  return { key: `EXO${randomBytes(12).toString("hex")}`, secret: randomBytes(32).toString("base64url") };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const credentials = options.credentials?.length ? options.credentials : [generateCredential()];
  const zone = options.zone ?? "ch-gva-2";
  const logLimit = options.requestLogLimit ?? 10_000;
  let faults: FaultOptions = { ...(options.faults ?? {}) };
  const scripted: ScriptedResponse[] = [];
  const requests: RequestRecord[] = [];
  let requestCount = 0;
  const openTimers = new Set<unknown>();

  const model = new CloudModel({
    clock,
    operationDelayMs: options.operationDelayMs ?? 0,
    bootDelayMs: options.bootDelayMs ?? 0,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    shouldFailOperation: () => {
      const fail = faults.failOperations;
      return fail === true || (typeof fail === "number" && random() < fail);
    },
  });
  for (const spec of options.pools ?? []) model.createPool(spec);

  let baseUrl = "";

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const handle = clock.setTimeout(() => {
        openTimers.delete(handle);
        resolve();
      }, ms);
      openTimers.add(handle);
    });

  /**
   * The request body, or a 413 as soon as it passes the limit. The rest is then read and dropped, so the
   * client finishes sending and reads the 413 (destroying the socket would lose the answer), up to a bound.
   */
  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_DRAIN_BYTES) {
          req.destroy();
          return;
        }
        if (size > MAX_BODY_BYTES) {
          chunks.length = 0;
          reject(new HttpError(413, `request body too large: at most ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });

  function authenticate(req: IncomingMessage, url: URL, body: string): EmulatorCredential {
    const secretOf = (key: string): string | undefined => credentials.find((c) => c.key === key)?.secret;
    const request = {
      method: req.method ?? "GET",
      path: url.pathname,
      body,
      query: url.searchParams.entries(),
      authorization: req.headers.authorization,
    };
    const verified = verifyRequest(secretOf, request, clock.now() / 1000);
    if (!verified.ok) throw new HttpError(401, verified.reason);
    return credentials.find((c) => c.key === verified.key)!;
  }

  function parseJsonBody(body: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpError(400, "request body is not valid JSON");
    }
    if (!isRecord(parsed)) throw new HttpError(400, "request body must be a JSON object");
    return parsed;
  }

  /** The id a path segment encodes; a malformed escape is the client's mistake (400), not ours (500). */
  function requireUuid(segment: string, what: string): string {
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      throw new HttpError(400, `invalid ${what} id "${segment}": malformed percent-encoding`);
    }
    if (!isUuid(value)) throw new HttpError(400, `invalid ${what} id "${value}": expected a UUID`);
    return value;
  }

  function dispatch(operation: Operation, param: string, url: URL, body: string): unknown {
    switch (operation) {
      case "list-instance-pools":
        return { "instance-pools": model.listPools() };
      case "get-instance-pool":
        return model.getPool(requireUuid(param, "instance pool"));
      case "scale-instance-pool": {
        const size = parseJsonBody(body).size;
        if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
          throw new HttpError(400, "size: expected a whole number ≥ 0");
        }
        return model.scale(requireUuid(param, "instance pool"), size);
      }
      case "evict-instance-pool-members": {
        const instances = parseJsonBody(body).instances;
        if (!Array.isArray(instances) || instances.length === 0 || !instances.every((i) => typeof i === "string")) {
          throw new HttpError(400, "instances: expected a non-empty array of instance UUID strings");
        }
        for (const id of instances as string[]) {
          if (!isUuid(id)) throw new HttpError(400, `invalid instance id "${id}": expected a UUID`);
        }
        return model.evict(requireUuid(param, "instance pool"), instances as string[]);
      }
      case "list-instances": {
        const managerType = url.searchParams.get("manager-type");
        if (managerType !== null && managerType !== "instance-pool") {
          throw new HttpError(400, `manager-type: expected "instance-pool", got "${managerType}"`);
        }
        const managerId = url.searchParams.get("manager-id");
        return { instances: model.listInstances(managerId === null ? {} : { managerId }) };
      }
      case "get-instance":
        return model.getInstance(requireUuid(param, "instance"));
      case "get-operation":
        return model.getOperation(requireUuid(param, "operation"));
      case "list-zones":
        return { zones: [{ name: zone, "api-endpoint": baseUrl, "sos-endpoint": `https://sos-${zone}.exo.io` }] };
      default:
        throw new HttpError(404, "not found");
    }
  }

  function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    const text = JSON.stringify(payload);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const path = url.pathname;
    const record: RequestRecord = {
      time: clock.now(),
      method: req.method ?? "GET",
      path,
      query: Object.fromEntries(url.searchParams.entries()),
      status: 0,
      body: "",
    };
    const presented = parseAuthorization(req.headers.authorization);
    if (presented) {
      // Logged even when a fault answers first, so tests can compare the signatures of retries.
      record.credential = presented.credential;
      record.expires = presented.expires;
      record.signature = presented.signature;
    }
    requestCount += 1;
    requests.push(record);
    if (requests.length > logLimit) requests.splice(0, requests.length - logLimit);
    const finish = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      if (status >= 400 && isRecord(payload) && "message" in payload) record.error = String(payload.message);
      send(res, status, payload, headers);
      model.events.emit("request", record);
    };
    try {
      const body = await readBody(req);
      record.body = body;
      const route = matchRoute(record.method, path);
      if (route.ok) record.operation = route.operation;

      if (faults.latencyMs && faults.latencyMs > 0) await delay(faults.latencyMs);
      const credential = authenticate(req, url, body);
      const script = scripted.shift();
      if (script) {
        const headers: Record<string, string> =
          script.retryAfterSeconds !== undefined ? { "Retry-After": String(script.retryAfterSeconds) } : {};
        finish(script.status, { message: script.message ?? `injected ${script.status}` }, headers);
        return;
      }
      const retryAfter = { "Retry-After": String(faults.retryAfterSeconds ?? 1) };
      if (faults.rateLimitRate && random() < faults.rateLimitRate) {
        finish(429, { message: "Too many requests" }, retryAfter);
        return;
      }
      if (faults.errorRate && random() < faults.errorRate) {
        const status = faults.errorStatus ?? 503;
        finish(status, { message: "Service temporarily unavailable (injected fault)" }, status === 503 ? retryAfter : {});
        return;
      }

      if (!route.ok) throw new HttpError(route.status, route.message);
      if (credential.operations && !credential.operations.includes(route.operation)) {
        throw new HttpError(403, `Forbidden: the IAM role of key ${credential.key} does not allow ${route.operation}`);
      }
      finish(200, dispatch(route.operation, route.param, url, body));
    } catch (error) {
      if (error instanceof HttpError) finish(error.status, { message: error.message }, error.headers);
      else if (error instanceof ModelError) finish(error.status, { message: error.message });
      else finish(500, { message: `emulator error: ${messageOf(error)}` });
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 1_000;
  const address = await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  baseUrl = `${urlOf(address)}/v2`;
  let closing: Promise<void> | undefined;

  return {
    url: baseUrl,
    port: address.port,
    key: credentials[0]!.key,
    secret: credentials[0]!.secret,
    zone,
    createPool: (spec) => model.createPool(spec),
    pool: (id) => model.snapshot(id),
    operation: (id) => model.operation(id),
    setFaults(next) {
      faults = { ...next };
    },
    injectResponses(responses) {
      scripted.push(...responses);
    },
    get requests() {
      return requests;
    },
    get requestCount() {
      return requestCount;
    },
    events: model.events,
    get idle() {
      return model.idle;
    },
    close() {
      closing ??= (async () => {
        for (const timer of openTimers) clock.clearTimeout(timer);
        openTimers.clear();
        await model.close();
        await closeServer(server);
        model.events.removeAllListeners();
      })();
      return closing;
    },
  };
}
