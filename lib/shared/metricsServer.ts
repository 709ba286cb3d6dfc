/**
 * How every service serves its prom-client registry: `sendMetrics` answers one request (the scaler's
 * express app calls it for its own /metrics route), and `startMetricsServer` is a minimal node:http
 * server with GET /metrics and GET /health for services that have no HTTP app of their own (the SD
 * agent), so they need no web framework in their bundle.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { messageOf } from "./errors.js";
import { closeServer, listen, listenOrExplain, urlOf, type ListenVariables } from "./http.js";

export interface MetricsServerOptions {
  registry: Registry;
  port: number;
  /** Default 127.0.0.1: metrics are for the local Prometheus, not the Internet. */
  host?: string;
  /**
   * The settings that chose port and host (e.g. METRICS_PORT / METRICS_HOST): when given, a taken port or
   * an unusable address is a ConfigError naming the one to change (see listenOrExplain).
   */
  variables?: ListenVariables;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9101 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Writes the registry's exposition text (or a 500 saying why it failed) to one response. */
export function sendMetrics(registry: Registry, res: ServerResponse): void {
  registry.metrics().then(
    (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
    (error: unknown) => res.writeHead(500, { "Content-Type": "text/plain" }).end(`metrics failed: ${messageOf(error)}\n`),
  );
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://metrics").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" }).end("method not allowed\n");
      return;
    }
    if (path === "/health") {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
      return;
    }
    if (path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    sendMetrics(options.registry, res);
  });
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? "127.0.0.1";
  const address = options.variables
    ? await listenOrExplain(server, options.port, host, options.variables)
    : await listen(server, options.port, host);
  return {
    url: urlOf(address),
    port: address.port,
    close: () => closeServer(server),
  };
}
