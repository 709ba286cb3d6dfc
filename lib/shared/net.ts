/** Checks on network settings shared by every service (bind addresses). */
import { isIP } from "node:net";

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * An address to bind: an IP literal, or a host name that is at least well-formed (RFC 1123), so a typo
 * is a configuration error at start instead of a getaddrinfo failure. An all-numeric last label is a
 * mistyped IPv4 address (256.1.1.1), never a name.
 */
export function isListenHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name === "" || name.length > 253) return false;
  const labels = name.split(".");
  return labels.every((label) => HOST_LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]!);
}
