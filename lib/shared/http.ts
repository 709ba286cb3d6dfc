/** Listening and closing for node:http servers, shared by every service and the sandbox. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError } from "./env.js";

/** Listens on host:port (0 picks a free port) and resolves with the bound address; rejects on EADDRINUSE etc. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The settings that chose a server's port and host, so a failed bind can name the one to change. */
export interface ListenVariables {
  /** e.g. METRICS_PORT */
  portVariable: string;
  /** e.g. METRICS_HOST */
  hostVariable: string;
}

/** Bind errors the host setting can fix: a name that does not resolve, an address this machine does not have. */
const HOST_CODES = new Set(["ENOTFOUND", "EAI_NONAME", "EAI_FAIL", "EADDRNOTAVAIL"]);

/**
 * What to tell the operator about a failed bind, naming the setting to change; undefined when the error is
 * not one a setting can fix (it is then a real failure, not a configuration problem).
 */
export function listenProblem(error: unknown, port: number, host: string, variables: ListenVariables): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  if (code === "EADDRINUSE") {
    return `${variables.portVariable} ${port} is already in use on ${host}: choose another port (0 picks a free one)`;
  }
  if (code === "EACCES") {
    const privileged = port > 0 && port < 1024 ? ": ports below 1024 need root or CAP_NET_BIND_SERVICE" : "";
    return (
      `${variables.portVariable} ${port} cannot be listened on at ${host} (${code}, permission denied)${privileged}; ` +
      `choose another port (0 picks a free one)`
    );
  }
  if (HOST_CODES.has(code)) {
    return `${variables.hostVariable} "${host}" cannot be listened on (${code}): use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`;
  }
  return undefined;
}

/**
 * `listen`, with the bind errors a setting can fix turned into a ConfigError (exit 2, no stack trace) that
 * names the variable: a taken port names the port's, an unknown or foreign address the host's. Any other
 * error is rethrown as it is.
 */
export async function listenOrExplain(server: Server, port: number, host: string, variables: ListenVariables): Promise<AddressInfo> {
  try {
    return await listen(server, port, host);
  } catch (error) {
    const problem = listenProblem(error, port, host, variables);
    if (problem === undefined) throw error;
    throw new ConfigError([problem]);
  }
}

/**
 * The base URL of a bound address, e.g. http://127.0.0.1:9101 or http://[::1]:9101. A wildcard bind
 * (0.0.0.0 or ::) is not an address anyone can call, so it maps to the loopback of the same family.
 */
export function urlOf(address: AddressInfo): string {
  const ipv6 = address.family === "IPv6";
  const wildcard = address.address === (ipv6 ? "::" : "0.0.0.0");
  const ip = wildcard ? (ipv6 ? "::1" : "127.0.0.1") : address.address;
  return `http://${ipv6 ? `[${ip}]` : ip}:${address.port}`;
}

/**
 * Stops accepting connections and resolves once the server is closed. `close()` alone waits for idle
 * keep-alive connections to time out and for held requests to finish (seconds, or never for a request
 * the emulator holds back), which would blow the SIGTERM budget: every open connection is closed too
 * once closing has started.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!server.listening) {
      server.closeAllConnections?.();
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections?.();
  });
}
