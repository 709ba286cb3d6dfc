/**
 * Turns what senders post (bare /up and /down, Grafana unified alerting v1, Alertmanager v4, legacy
 * Grafana) into Signals. Pure: no I/O, no clock; errors are returned, never thrown.
 */
import { messageOf } from "../../lib/shared/errors.js";
import { isRecord, stringMap } from "../../lib/shared/json.js";

export type Direction = "up" | "down";
export type SignalSource = "request" | "grafana" | "alertmanager" | "grafana-legacy";
/** `pulse` is a bare /up or /down: one step, consumed by the next tick that evaluates it. */
export type SignalStatus = "firing" | "resolved" | "pulse";

export interface Signal {
  direction: Direction;
  source: SignalSource;
  /** Identity of the alert across repeats (fingerprint, or its labels); empty for pulses. */
  key: string;
  status: SignalStatus;
  /** When the alert started firing; with `key` it identifies one firing episode. */
  startsAt?: string;
  /** The measured CPU percentage, when the sender included it. */
  value?: number;
}

export interface ParseOptions {
  /** The direction fixed by the path (/up, /down); undefined on /webhook. */
  pathDirection?: Direction;
  /** Grafana `values` key holding the CPU percentage. */
  cpuValueRef: string;
}

export interface ParsedNotification {
  /** `resolved`: a body that only says the condition is over, without alerts to withdraw: nothing to record. */
  format: "bare" | "grafana" | "alertmanager" | "grafana-legacy" | "resolved";
  signals: Signal[];
  /** Alerts we could not attribute to a direction, with why (reported back, not an error). */
  ignored: string[];
}

export type ParseResult = { ok: true; value: ParsedNotification } | { ok: false; error: string };

/**
 * A request value as short text for an error message. Never recurses into it: a body nested 100 000
 * levels deep must give a 400 that says so, not overflow the stack while being described.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (value === undefined) return "nothing";
  return Array.isArray(value) ? "a list" : "an object";
}

/** A rule id as part of a key: only plain values identify a rule; anything else is refused by the caller. */
function ruleIdOf(body: Record<string, unknown>): string | undefined {
  for (const field of ["ruleId", "ruleName"]) {
    const value = body[field];
    if (typeof value === "string" || typeof value === "number") return String(value);
    if (value !== undefined) return undefined;
  }
  return "rule";
}

function parseDirection(value: string | undefined): Direction | undefined {
  const v = value?.trim().toLowerCase();
  return v === "up" || v === "down" ? v : undefined;
}

function finiteNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value.trim().replace(/%$/, ""));
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/** A stable key from a label set, for senders that omit the fingerprint. */
function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

function alertValue(alert: Record<string, unknown>, annotations: Record<string, string>, cpuValueRef: string): number | undefined {
  // Grafana sends the rule's query results by refId; Alertmanager carries none, so an annotation
  // templated with `{{ $value }}` is the documented way to pass it.
  const values = alert["values"];
  if (isRecord(values)) {
    const v = finiteNumber(values[cpuValueRef]);
    if (v !== undefined) return v;
  }
  return finiteNumber(annotations["value"]) ?? finiteNumber(annotations["cpu"]);
}

function parseAlerts(body: Record<string, unknown>, format: "grafana" | "alertmanager", options: ParseOptions): ParseResult {
  const alerts = body["alerts"];
  if (!Array.isArray(alerts)) return { ok: false, error: `a version ${describeValue(body["version"])} payload needs an "alerts" array` };
  const signals: Signal[] = [];
  const ignored: string[] = [];
  alerts.forEach((alert, index) => {
    if (!isRecord(alert)) {
      ignored.push(`alerts[${index}] is not an object`);
      return;
    }
    const labels = stringMap(alert["labels"]);
    const annotations = stringMap(alert["annotations"]);
    const status = alert["status"] ?? body["status"];
    if (status !== "firing" && status !== "resolved") {
      ignored.push(`alerts[${index}] has status ${describeValue(status)}, expected "firing" or "resolved"`);
      return;
    }
    // The path decides for unlabelled alerts; a label that contradicts it is a misrouted contact point,
    // or (HMAC signs only the body) a captured payload replayed to the other path: never act on it.
    const labelled = parseDirection(labels["scale"]);
    if (options.pathDirection !== undefined && labelled !== undefined && labelled !== options.pathDirection) {
      ignored.push(
        `alerts[${index}] (${labels["alertname"] ?? "unnamed"}) has scale=${labelled} but was sent to /${options.pathDirection}`,
      );
      return;
    }
    const direction = options.pathDirection ?? labelled;
    if (direction === undefined) {
      ignored.push(`alerts[${index}] (${labels["alertname"] ?? "unnamed"}) has no scale=up|down label`);
      return;
    }
    const fingerprint = typeof alert["fingerprint"] === "string" && alert["fingerprint"] !== "" ? alert["fingerprint"] : undefined;
    const startsAt = typeof alert["startsAt"] === "string" ? alert["startsAt"] : undefined;
    const value = alertValue(alert, annotations, options.cpuValueRef);
    signals.push({
      direction,
      source: format,
      key: `${format}:${fingerprint ?? labelKey(labels)}`,
      status,
      ...(startsAt !== undefined ? { startsAt } : {}),
      ...(value !== undefined ? { value } : {}),
    });
  });
  if (signals.length === 0) {
    return { ok: false, error: `no usable alert in the payload: ${ignored.join("; ") || "the alerts array is empty"}` };
  }
  return { ok: true, value: { format, signals, ignored } };
}

function parseLegacy(body: Record<string, unknown>, options: ParseOptions): ParseResult {
  const state = body["state"];
  const tags = stringMap(body["tags"]);
  const tagged = parseDirection(tags["scale"]);
  if (options.pathDirection !== undefined && tagged !== undefined && tagged !== options.pathDirection) {
    return {
      ok: false,
      error: `legacy Grafana alert tagged scale=${tagged} was sent to /${options.pathDirection}; refusing the contradiction`,
    };
  }
  const direction = options.pathDirection ?? tagged;
  if (direction === undefined) return { ok: false, error: "legacy Grafana alert without a scale=up|down tag, send it to /up or /down" };
  if (state !== "alerting" && state !== "ok") {
    return { ok: false, error: `legacy Grafana alert with state ${describeValue(state)}, expected "alerting" or "ok"` };
  }
  const id = ruleIdOf(body);
  if (id === undefined) return { ok: false, error: "legacy Grafana alert whose ruleId or ruleName is not a string or a number" };
  const matches = Array.isArray(body["evalMatches"]) ? body["evalMatches"] : [];
  const values = matches.map((m) => (isRecord(m) ? finiteNumber(m["value"]) : undefined)).filter((v): v is number => v !== undefined);
  const value = values.length > 0 ? Math.max(...values) : undefined;
  return {
    ok: true,
    value: {
      format: "grafana-legacy",
      signals: [
        {
          direction,
          source: "grafana-legacy",
          key: `grafana-legacy:${id}`,
          status: state === "alerting" ? "firing" : "resolved",
          ...(value !== undefined ? { value } : {}),
        },
      ],
      ignored: [],
    },
  };
}

/** Top-level words a notification uses to say its condition is over (Grafana, Alertmanager, custom templates). */
const RESOLVED_WORDS = new Set(["resolved", "ok", "normal", "inactive"]);

/** A top-level `status` or `state` that says the condition is over: such a body never asks for a member. */
function saysResolved(body: Record<string, unknown>): boolean {
  return ["status", "state"].some((field) => {
    const value = body[field];
    return typeof value === "string" && RESOLVED_WORDS.has(value.trim().toLowerCase());
  });
}

const EXPECTED =
  'expected an empty body or {} (one step), a Grafana (version "1") or Alertmanager (version "4") webhook, or a legacy Grafana alert';

/**
 * Parses one request body. The rule is exact:
 * - an empty body or `{}` on /up or /down is the course's bare trigger (one pulse); on /webhook it says nothing;
 * - a recognised notification (Grafana v1, Alertmanager v4, legacy Grafana) is parsed as such;
 * - any other body whose top-level status or state says resolved/ok is accepted and records nothing;
 * - anything else is refused, saying what was expected.
 * `raw` is the body exactly as received.
 */
export function parseNotification(raw: string, options: ParseOptions): ParseResult {
  const text = raw.trim();
  const bare = (): ParseResult =>
    options.pathDirection === undefined
      ? { ok: false, error: "an empty request to /webhook says nothing; use /up or /down, or send an alert payload" }
      : {
          ok: true,
          value: {
            format: "bare",
            signals: [{ direction: options.pathDirection, source: "request", key: "", status: "pulse" }],
            ignored: [],
          },
        };
  if (text === "") return bare();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `malformed JSON: ${messageOf(error)}` };
  }
  if (!isRecord(body)) return { ok: false, error: `the body must be a JSON object; ${EXPECTED}` };
  const version = body["version"];
  if (version === "1" || version === 1) return parseAlerts(body, "grafana", options);
  if (version === "4" || version === 4) return parseAlerts(body, "alertmanager", options);
  if (version !== undefined)
    return { ok: false, error: `unknown payload version ${describeValue(version)}; expected "1" (Grafana) or "4" (Alertmanager)` };
  if ("state" in body && ("ruleName" in body || "ruleId" in body || "evalMatches" in body)) return parseLegacy(body, options);
  if (Object.keys(body).length === 0) return bare();
  if (saysResolved(body)) {
    return { ok: true, value: { format: "resolved", signals: [], ignored: ["the body says its condition is resolved: nothing to do"] } };
  }
  return { ok: false, error: `unknown payload: ${EXPECTED}` };
}
