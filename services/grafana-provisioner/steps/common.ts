/** What every provisioning step shares: its result, and turning an unexpected answer into a typed error. */
import { isRecord } from "../../../lib/shared/json.js";
import { grafanaMessage, type GrafanaReply } from "../client.js";
import { GrafanaRequestError, GrafanaResponseError, GrafanaServerError } from "../errors.js";

export type ObjectKind = "datasource" | "folder" | "dashboard" | "rule-group" | "contact-point" | "notification-policy";
export type Outcome = "created" | "updated" | "unchanged";

export interface StepResult {
  object: ObjectKind;
  uid: string;
  name: string;
  outcome: Outcome;
  /** Why an update was made although nothing may have changed, etc. */
  note?: string;
}

/** Throws unless the answer has one of the expected statuses; a 4xx names the object and Grafana's message. */
export function expectStatus(reply: GrafanaReply, expected: readonly number[], what: string, hint?: string): void {
  if (expected.includes(reply.status)) return;
  if (reply.status >= 500) throw new GrafanaServerError(what, reply.status, grafanaMessage(reply.body));
  if (reply.status >= 200 && reply.status < 300) {
    throw new GrafanaResponseError(what, `status ${reply.status}, expected ${expected.join(" or ")}`);
  }
  throw new GrafanaRequestError(what, reply.status, grafanaMessage(reply.body), hint);
}

/** The body as an object, or a GrafanaResponseError. */
export function objectBody(reply: GrafanaReply, what: string): Record<string, unknown> {
  if (!isRecord(reply.body)) throw new GrafanaResponseError(what, "expected a JSON object");
  return reply.body;
}

/** A path segment: uids and group names may hold characters that mean something in a URL. */
export const segment = encodeURIComponent;
