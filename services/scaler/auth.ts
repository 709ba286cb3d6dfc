/**
 * Who may send signals. Grafana's webhook contact point can send a token as `Authorization: Bearer`,
 * as the Basic-auth password, or sign the body with HMAC-SHA256; we accept whichever is configured.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface AuthSettings {
  token?: string;
  hmacSecret?: string;
  /** Extra header to read the HMAC timestamp from, besides Grafana's usual names. */
  hmacTimestampHeader?: string;
  /** A signed timestamp further than this from now is refused (replay protection). */
  hmacMaxSkewMs: number;
  /** Refuse HMAC signatures that carry no timestamp: without one a captured request can be replayed forever. */
  hmacRequireTimestamp?: boolean;
}

/** Grafana's code and UI disagree on the header name, so both are accepted (lower-case, as Node gives them). */
export const HMAC_SIGNATURE_HEADERS = ["x-grafana-alert-signature", "x-grafana-alerting-signature"] as const;
export const HMAC_TIMESTAMP_HEADERS = ["x-grafana-alert-timestamp", "x-grafana-alerting-timestamp"] as const;

export type Headers = Readonly<Record<string, string | string[] | undefined>>;
export type AuthResult = { ok: true; method: "none" | "token" | "basic" | "hmac" } | { ok: false; reason: string };

export function authConfigured(settings: AuthSettings): boolean {
  return settings.token !== undefined || settings.hmacSecret !== undefined;
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Compares secrets in constant time, whatever their lengths. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Grafana's signature: hex(HMAC_SHA256(secret, [timestamp ":"] body)), timestamp in Unix seconds. */
export function grafanaSignature(secret: string, body: string | Buffer, timestamp?: string): string {
  const mac = createHmac("sha256", secret);
  if (timestamp !== undefined) mac.update(`${timestamp}:`);
  mac.update(body);
  return mac.digest("hex");
}

function checkToken(headers: Headers, token: string): AuthResult | undefined {
  const authorization = header(headers, "authorization");
  if (authorization === undefined) return undefined;
  const match = /^(\S+)\s+(.+)$/.exec(authorization.trim());
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase();
  const credentials = match[2]!.trim();
  if (scheme === "bearer" && sameSecret(credentials, token)) return { ok: true, method: "token" };
  if (scheme === "basic") {
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    // Any user name: Grafana's contact point needs one, the password is the secret.
    if (colon >= 0 && sameSecret(decoded.slice(colon + 1), token)) return { ok: true, method: "basic" };
  }
  return undefined;
}

function checkHmac(headers: Headers, body: Buffer, settings: AuthSettings & { hmacSecret: string }, now: number): AuthResult | undefined {
  const signature = HMAC_SIGNATURE_HEADERS.map((h) => header(headers, h))
    .find((v) => v !== undefined)
    ?.trim()
    .toLowerCase();
  if (signature === undefined) return undefined;
  const timestampHeaders = [...(settings.hmacTimestampHeader ? [settings.hmacTimestampHeader] : []), ...HMAC_TIMESTAMP_HEADERS];
  const timestamp = timestampHeaders
    .map((h) => header(headers, h))
    .find((v) => v !== undefined)
    ?.trim();
  if (timestamp === undefined && settings.hmacRequireTimestamp === true) {
    return { ok: false, reason: "the HMAC signature carries no timestamp, which WEBHOOK_HMAC_REQUIRE_TIMESTAMP requires" };
  }
  if (timestamp !== undefined) {
    if (!/^\d+$/.test(timestamp)) return { ok: false, reason: "the HMAC timestamp is not a Unix time in seconds" };
    if (Math.abs(now - Number(timestamp) * 1000) > settings.hmacMaxSkewMs) {
      return { ok: false, reason: "the HMAC timestamp is too far from now (replayed, or the clocks disagree)" };
    }
  }
  const expected = grafanaSignature(settings.hmacSecret, body, timestamp);
  return sameSecret(signature, expected)
    ? { ok: true, method: "hmac" }
    : { ok: false, reason: "the HMAC signature does not match the body" };
}

/** Checks one request; with nothing configured every request passes (the scaler warns at start). */
export function authenticate(headers: Headers, body: Buffer, settings: AuthSettings, now: number): AuthResult {
  if (!authConfigured(settings)) return { ok: true, method: "none" };
  if (settings.token !== undefined) {
    const result = checkToken(headers, settings.token);
    if (result !== undefined) return result;
  }
  if (settings.hmacSecret !== undefined) {
    const result = checkHmac(headers, body, { ...settings, hmacSecret: settings.hmacSecret }, now);
    if (result !== undefined) return result;
  }
  const accepted = [
    ...(settings.token !== undefined ? ["a Bearer token or Basic-auth password"] : []),
    ...(settings.hmacSecret !== undefined ? ["a Grafana HMAC signature"] : []),
  ];
  return { ok: false, reason: `missing or wrong credentials: expected ${accepted.join(" or ")}` };
}
