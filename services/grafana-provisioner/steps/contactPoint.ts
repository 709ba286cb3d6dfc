/**
 * Our webhook contact point, found by uid in the list. Grafana shows stored credentials back redacted, so
 * a contact point carrying the Bearer token cannot be confirmed unchanged: it is rewritten on every run.
 */
import { SECURE_WEBHOOK_SETTINGS, type GrafanaContactPoint } from "../../../contracts/grafana.js";
import { isRecord } from "../../../lib/shared/json.js";
import type { GrafanaClient, GrafanaReply } from "../client.js";
import { containsAll, sameJson } from "../compare.js";
import { GrafanaResponseError } from "../errors.js";
import { expectStatus, segment, type StepResult } from "./common.js";

const LIST = "api/v1/provisioning/contact-points";

function hasSecret(settings: object): boolean {
  const fields: Record<string, unknown> = { ...settings };
  return SECURE_WEBHOOK_SETTINGS.some((field) => typeof fields[field] === "string" && fields[field] !== "");
}

function withoutSecrets(settings: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...settings };
  for (const field of SECURE_WEBHOOK_SETTINGS) delete copy[field];
  return copy;
}

async function findByUid(client: GrafanaClient, uid: string, what: string): Promise<Record<string, unknown> | undefined> {
  const reply: GrafanaReply = await client.call("GET", LIST, what);
  expectStatus(reply, [200], what);
  if (!Array.isArray(reply.body)) throw new GrafanaResponseError(what, "expected a list of contact points");
  return reply.body.filter(isRecord).find((point) => point["uid"] === uid);
}

export async function ensureContactPoint(client: GrafanaClient, desired: GrafanaContactPoint): Promise<StepResult> {
  const label = `contact point "${desired.name}" (uid ${desired.uid})`;
  const result = (outcome: StepResult["outcome"], note?: string): StepResult => ({
    object: "contact-point",
    uid: desired.uid,
    name: desired.name,
    outcome,
    ...(note !== undefined ? { note } : {}),
  });
  const current = await findByUid(client, desired.uid, "list the contact points");
  if (current === undefined) {
    const created = await client.call("POST", LIST, `create the ${label}`, desired);
    if (created.status === 202) return result("created");
    // A retried create whose first attempt had gone through answers "uid exists"; anything else is a real refusal.
    if ((await findByUid(client, desired.uid, "list the contact points")) === undefined)
      expectStatus(created, [202], `create the ${label}`);
    return result("created");
  }
  const secret = hasSecret(desired.settings);
  const storedSettings = isRecord(current["settings"]) ? current["settings"] : {};
  // Settings are compared exactly: a field left over from an earlier run (an old token) is a difference too.
  const same =
    !secret &&
    !hasSecret(storedSettings) &&
    sameJson(withoutSecrets(desired.settings), withoutSecrets(storedSettings)) &&
    containsAll(
      { uid: desired.uid, name: desired.name, type: desired.type, disableResolveMessage: desired.disableResolveMessage },
      current,
    );
  if (same) return result("unchanged");
  expectStatus(await client.call("PUT", `${LIST}/${segment(desired.uid)}`, `update the ${label}`, desired), [202], `update the ${label}`);
  return result("updated", secret ? "its credentials cannot be read back, so they are rewritten on every run" : undefined);
}
