/** The load tool's command line, parsed by a pure function (main.ts does the I/O). */
import { parseArgs } from "node:util";
import { messageOf } from "../../lib/shared/errors.js";
import { parseNumber } from "../../lib/shared/env.js";

export const PROFILES = ["constant", "ramp", "step"] as const;
export type Profile = (typeof PROFILES)[number];

export const MAX_DURATION_SECONDS = 3_600;
export const MAX_CONCURRENCY = 1_000;

export const USAGE = `usage: npm run load -- --url URL [options]
Sends GET requests to URL + --path from --concurrency connections, each sending its next request as soon as
the last one is answered, for --duration seconds; prints progress every second, then a summary.

  --url URL            the service, e.g. the NLB: http://127.0.0.1:8000 or http://<nlb-ip> (required; http: or https:)
  --path PATH          request path (default /load, or the path in --url if it has one)
  --concurrency N      connections at the peak, 1-${MAX_CONCURRENCY} (default 10)
  --duration S         seconds to run, 1-${MAX_DURATION_SECONDS} (default 60)
  --profile P          constant: N connections all along (default)
                       ramp: 1 connection more at equal steps, from 1 to N
                       step: doubling at equal steps, 1, 2, 4, … up to N
  --timeout S          seconds one request may take before it counts as an error, 1-${MAX_DURATION_SECONDS} (default 120;
                       one /load on an idle member takes 10 s, and members shared by n requests take n times longer)
  --help               this text

Exit codes: 0 done, 1 failed (could not run, or no request succeeded), 2 bad arguments.`;

export interface LoadOptions {
  /** The full request URL (base + path). */
  url: string;
  concurrency: number;
  durationSeconds: number;
  profile: Profile;
  timeoutSeconds: number;
}

export type ParsedArgs = { kind: "help" } | { kind: "run"; options: LoadOptions } | { kind: "error"; problems: string[] };

/** Pure: argv → what to do. Every problem is reported at once. */
export function parseLoadArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        path: { type: "string" },
        concurrency: { type: "string" },
        duration: { type: "string" },
        profile: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return { kind: "error", problems: [messageOf(error)] };
  }
  if (values.help === true) return { kind: "help" };
  const text = (name: string): string | undefined => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const problems: string[] = [];

  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = parseNumber(value, { whole: true, min, max });
    if ("value" in parsed) return parsed.value;
    problems.push(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    return fallback;
  };

  const url = targetUrl(text("url"), text("path"), problems);
  const concurrency = whole("concurrency", 10, 1, MAX_CONCURRENCY);
  const durationSeconds = whole("duration", 60, 1, MAX_DURATION_SECONDS);
  const timeoutSeconds = whole("timeout", 120, 1, MAX_DURATION_SECONDS);
  const profileText = text("profile") ?? "constant";
  const profile = (PROFILES as readonly string[]).includes(profileText) ? (profileText as Profile) : undefined;
  if (profile === undefined) problems.push(`--profile must be one of ${PROFILES.join(", ")}, got "${profileText}"`);

  if (problems.length > 0 || url === undefined || profile === undefined) return { kind: "error", problems };
  return { kind: "run", options: { url, concurrency, durationSeconds, profile, timeoutSeconds } };
}

/** The URL to load: --url's origin with --path, or with --url's own path when it has one and --path is not given. */
function targetUrl(urlText: string | undefined, pathText: string | undefined, problems: string[]): string | undefined {
  if (pathText !== undefined && !pathText.startsWith("/")) problems.push(`--path must start with /, got "${pathText}"`);
  if (urlText === undefined) {
    problems.push("--url is required, e.g. --url http://127.0.0.1:8000");
    return undefined;
  }
  // "127.0.0.1:8000" or "localhost:8000" is a forgotten scheme, not a strange one.
  const hint = urlText.includes("://") ? "" : ` (did you mean http://${urlText}?)`;
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    problems.push(`--url must be an absolute http: or https: URL, got "${urlText}"${hint}`);
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(
      `--url must be an http: or https: URL, got "${urlText}"${hint || ` (scheme ${url.protocol.slice(0, -1)} is not supported)`}`,
    );
    return undefined;
  }
  if (url.username !== "" || url.password !== "") {
    problems.push("--url must not carry a user name or password (the URL is printed in the output)");
    return undefined;
  }
  if (pathText !== undefined && pathText.startsWith("/")) return `${url.origin}${pathText}`;
  const ownPath = `${url.pathname}${url.search}`;
  return `${url.origin}${ownPath === "/" ? "/load" : ownPath}`;
}
