/** Listening and closing for node:http servers, shared by every service and the sandbox. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

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
