/**
 * EXO2-HMAC-SHA256 request signing for the Exoscale API v2 — pure functions, no I/O, no clock.
 * The client signs with them and the emulator verifies with them; the published test vectors pin both.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_SCHEME = "EXO2-HMAC-SHA256";
/** egoscale and the official TS SDK sign for ten minutes. */
export const DEFAULT_SIGNATURE_TTL_SECONDS = 600;

export interface SignableRequest {
  method: string;
  /** The path exactly as sent on the wire, including the `/v2` prefix (URL.pathname). */
  path: string;
  /** The body exactly as sent; empty or absent when there is none. */
  body?: string;
  /** Decoded query parameters in any order; repeated names are allowed (and then not signed). */
  query?: Iterable<readonly [string, string]>;
  /** UNIX time (seconds) after which the signature is refused. */
  expires: number;
}

export interface SignedQuery {
  /** The names that are signed, ascending. */
  names: string[];
  /** Their values concatenated in that order (message line 3). */
  values: string;
}

/** Only parameters that appear exactly once are signed, ordered by name. */
export function signedQuery(query: Iterable<readonly [string, string]> = []): SignedQuery {
  const byName = new Map<string, string[]>();
  for (const [name, value] of query) {
    const values = byName.get(name) ?? [];
    values.push(value);
    byName.set(name, values);
  }
  const names = [...byName.entries()]
    .filter(([, values]) => values.length === 1)
    .map(([name]) => name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { names, values: names.map((name) => byName.get(name)![0]).join("") };
}

/** The five newline-separated segments that get signed. */
export function signatureMessage(request: SignableRequest): string {
  return [
    `${request.method.toUpperCase()} ${request.path}`,
    request.body ?? "",
    signedQuery(request.query).values,
    "", // header values: the scheme signs none today
    String(request.expires),
  ].join("\n");
}

/** base64(HMAC-SHA256(secret, message)), standard alphabet with padding. */
export function computeSignature(secret: string, message: string): string {
  return createHmac("sha256", secret).update(message, "utf8").digest("base64");
}

export interface AuthorizationParts {
  credential: string;
  signedQueryArgs: string[];
  expires: number;
  signature: string;
}

export function formatAuthorization(parts: AuthorizationParts): string {
  const fields = [`credential=${parts.credential}`];
  if (parts.signedQueryArgs.length > 0) fields.push(`signed-query-args=${parts.signedQueryArgs.join(";")}`);
  fields.push(`expires=${parts.expires}`, `signature=${parts.signature}`);
  return `${SIGNATURE_SCHEME} ${fields.join(",")}`;
}

/** Parses an Authorization header; undefined when it is not a well-formed EXO2 header. */
export function parseAuthorization(header: string | undefined): AuthorizationParts | undefined {
  if (header === undefined) return undefined;
  const prefix = `${SIGNATURE_SCHEME} `;
  if (!header.startsWith(prefix)) return undefined;
  const fields = new Map<string, string>();
  for (const field of header.slice(prefix.length).split(",")) {
    const eq = field.indexOf("=");
    if (eq <= 0) return undefined;
    fields.set(field.slice(0, eq).trim(), field.slice(eq + 1).trim());
  }
  const credential = fields.get("credential");
  const expiresText = fields.get("expires");
  const signature = fields.get("signature");
  if (!credential || !expiresText || !signature || !/^\d+$/.test(expiresText)) return undefined;
  const args = fields.get("signed-query-args");
  return {
    credential,
    signedQueryArgs: args === undefined || args === "" ? [] : args.split(";"),
    expires: Number(expiresText),
    signature,
  };
}

export interface SigningCredentials {
  key: string;
  secret: string;
}

/** The Authorization header value for one request. */
export function signRequest(credentials: SigningCredentials, request: SignableRequest): string {
  // Read the query once: it may be a one-shot iterator such as URLSearchParams.entries().
  const once = { ...request, query: [...(request.query ?? [])] };
  return formatAuthorization({
    credential: credentials.key,
    signedQueryArgs: signedQuery(once.query).names,
    expires: request.expires,
    signature: computeSignature(credentials.secret, signatureMessage(once)),
  });
}

/** Constant-time comparison of two base64 signatures. */
export function signaturesMatch(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface VerifiableRequest {
  method: string;
  /** The path as received (URL.pathname), including the `/v2` prefix. */
  path: string;
  /** The body as received; empty when there is none. */
  body: string;
  /** Decoded query parameters as received. */
  query: Iterable<readonly [string, string]>;
  /** The Authorization header, if any. */
  authorization: string | undefined;
}

/** Either the key that signed the request, or why it is refused (the text of the 401 answer). */
export type Verification = { ok: true; key: string } | { ok: false; reason: string };

/**
 * Checks a request's EXO2-HMAC-SHA256 signature as the API does: a well-formed header, a known key (its
 * secret from `secretOf`), an unexpired signature (`nowSeconds` may be fractional), the signed-query-args
 * the query implies, then the signature itself in constant time.
 */
export function verifyRequest(secretOf: (key: string) => string | undefined, request: VerifiableRequest, nowSeconds: number): Verification {
  const auth = parseAuthorization(request.authorization);
  if (!auth) {
    return { ok: false, reason: "missing or malformed Authorization header: expected EXO2-HMAC-SHA256 credential=…,expires=…,signature=…" };
  }
  const secret = secretOf(auth.credential);
  if (secret === undefined) return { ok: false, reason: `invalid API key ${auth.credential}` };
  if (auth.expires < nowSeconds) return { ok: false, reason: "request signature expired" };
  const query = [...request.query];
  const expectedArgs = signedQuery(query).names.join(";");
  if (expectedArgs !== auth.signedQueryArgs.join(";")) {
    return { ok: false, reason: `invalid request signature: signed-query-args should be "${expectedArgs}"` };
  }
  const message = signatureMessage({ method: request.method, path: request.path, body: request.body, query, expires: auth.expires });
  if (!signaturesMatch(computeSignature(secret, message), auth.signature)) return { ok: false, reason: "invalid request signature" };
  return { ok: true, key: auth.credential };
}
