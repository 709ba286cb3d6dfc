import { isIPv4, isIPv6 } from "node:net";

// The provider validates `cidr` with Go's validation.IsCIDRNetwork(0, 128): the value must parse
// (net.ParseCIDR) AND equal the network's own String() form. We reproduce that canonical form here
// so a typo is reported by our config validation, once and clearly, instead of by the provider.

/** A CIDR as written, parsed leniently (zone ids, upper case and leading zeros tolerated). */
export interface ParsedCidr {
  family: 4 | 6;
  /** The address as written: 4 bytes (IPv4) or 16 bytes (IPv6). */
  bytes: number[];
  prefixLength: number;
}

function ipv4Bytes(text: string): number[] {
  return text.split(".").map(Number);
}

/** 16 bytes of a valid IPv6 literal (validated by node:net before), `::` and dotted tails expanded. */
function ipv6Bytes(text: string): number[] {
  const words = (part: string): number[] => {
    if (part === "") {
      return [];
    }
    return part.split(":").flatMap((group) => {
      if (group.includes(".")) {
        const [a, b, c, d] = ipv4Bytes(group);
        return [(a << 8) | b, (c << 8) | d];
      }
      return [parseInt(group, 16)];
    });
  };
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headWords = words(head);
  const tailWords = tail === undefined ? [] : words(tail);
  const all = [...headWords, ...new Array<number>(8 - headWords.length - tailWords.length).fill(0), ...tailWords];
  return all.flatMap((word) => [word >> 8, word & 0xff]);
}

/**
 * `address/prefix` → its parts, or undefined when it is not a CIDR at all. Lenient on purpose:
 * forms the provider refuses but whose meaning is clear still parse, so we can suggest the fix.
 */
export function parseCidr(value: string): ParsedCidr | undefined {
  const slash = value.lastIndexOf("/");
  if (slash < 0) {
    return undefined;
  }
  const address = value.slice(0, slash).replace(/%[^%/]*$/, "");
  const prefix = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) {
    return undefined;
  }
  const prefixLength = Number(prefix);
  if (isIPv4(address) && prefixLength <= 32) {
    return { family: 4, bytes: ipv4Bytes(address), prefixLength };
  }
  if (isIPv6(address) && prefixLength <= 128) {
    return { family: 6, bytes: ipv6Bytes(address), prefixLength };
  }
  return undefined;
}

function masked(bytes: readonly number[], prefixLength: number): number[] {
  return bytes.map((byte, i) => {
    const keep = Math.min(8, Math.max(0, prefixLength - 8 * i));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
}

/** RFC 5952 text (as Go prints it): lower-case hex, no leading zeros, the first longest run of ≥ 2 zero words as `::`. */
function formatIpv6(bytes: readonly number[]): string {
  const words = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let runStart = -1;
  let runLength = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) {
      j++;
    }
    if (j - i >= 2 && j - i > runLength) {
      runStart = i;
      runLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = (list: number[]) => list.map((w) => w.toString(16)).join(":");
  if (runStart < 0) {
    return hex(words);
  }
  return `${hex(words.slice(0, runStart))}::${hex(words.slice(runStart + runLength))}`;
}

/** Go prints an IPv6 network inside ::ffff:0:0/96 as the IPv4 network it maps. */
function isV4Mapped(bytes: readonly number[]): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

function format(family: 4 | 6, bytes: readonly number[], prefixLength: number): string {
  if (family === 4) {
    return `${bytes.join(".")}/${prefixLength}`;
  }
  if (isV4Mapped(bytes)) {
    return `${bytes.slice(12).join(".")}/${prefixLength - 96}`;
  }
  return `${formatIpv6(bytes)}/${prefixLength}`;
}

/** The only spelling of the network the provider accepts (Go's IPNet.String()). */
export function canonicalNetwork(cidr: ParsedCidr): string {
  return format(cidr.family, masked(cidr.bytes, cidr.prefixLength), cidr.prefixLength);
}

/** True only for a CIDR the provider accepts as it is: a network, written in its canonical form. */
export function isCidr(value: string): boolean {
  const parsed = parseCidr(value);
  return parsed !== undefined && canonicalNetwork(parsed) === value;
}

/**
 * Why `value` is refused, ending with the fix when there is an obvious one; undefined when the
 * provider accepts it.
 */
export function cidrProblem(value: string): string | undefined {
  const parsed = parseCidr(value);
  if (parsed === undefined) {
    return "is not a CIDR (expected e.g. 203.0.113.7/32)";
  }
  const network = canonicalNetwork(parsed);
  if (network === value) {
    return undefined;
  }
  const fullLength = parsed.family === 4 ? 32 : 128;
  const host = format(parsed.family, parsed.bytes, fullLength);
  const hostBitsSet = masked(parsed.bytes, parsed.prefixLength).some((byte, i) => byte !== parsed.bytes[i]);
  const suggestion = hostBitsSet
    ? `did you mean ${network} (the whole network) or ${host} (only that address)?`
    : `did you mean ${network}?`;
  return `is not a CIDR network in canonical form, which the Exoscale provider requires: ${suggestion}`;
}

/** Networks that mean "the whole Internet": any prefix length of 0, however it is spelled. */
export function isOpenToWorld(cidr: string): boolean {
  return parseCidr(cidr)?.prefixLength === 0;
}
