/**
 * Our alert rule group: one PUT sets the whole group. Rules a user added to the group are sent back as
 * Grafana showed them (it ignores the read-only fields it fills in itself), so the PUT never deletes them.
 */
import type { GrafanaRuleGroup } from "../../../contracts/grafana.js";
import { isRecord } from "../../../lib/shared/json.js";
import type { GrafanaClient } from "../client.js";
import { containsAll } from "../compare.js";
import { expectStatus, objectBody, segment, type StepResult } from "./common.js";

export async function ensureRuleGroup(client: GrafanaClient, desired: GrafanaRuleGroup): Promise<StepResult> {
  const label = `alert rule group "${desired.title}" in folder ${desired.folderUid}`;
  const key = `${desired.folderUid}/${desired.title}`;
  const result = (outcome: StepResult["outcome"]): StepResult => ({ object: "rule-group", uid: key, name: desired.title, outcome });
  const path = `api/v1/provisioning/folder/${segment(desired.folderUid)}/rule-groups/${segment(desired.title)}`;
  const current = await client.call("GET", path, `read the ${label}`);
  let theirs: Record<string, unknown>[] = [];
  if (current.status !== 404) {
    expectStatus(current, [200], `read the ${label}`);
    const stored = objectBody(current, `read the ${label}`);
    const rules = Array.isArray(stored["rules"]) ? stored["rules"].filter(isRecord) : [];
    const ours = new Set(desired.rules.map((rule) => rule.uid));
    theirs = rules.filter((rule) => !ours.has(String(rule["uid"])));
    const same =
      stored["interval"] === desired.interval &&
      rules.length === desired.rules.length + theirs.length &&
      desired.rules.every((rule) =>
        containsAll(
          rule,
          rules.find((r) => r["uid"] === rule.uid),
        ),
      );
    if (same) return result("unchanged");
  }
  const body = { ...desired, rules: [...desired.rules, ...theirs] };
  const what = `${current.status === 404 ? "create" : "update"} the ${label}`;
  expectStatus(await client.call("PUT", path, what, body), [200], what);
  return result(current.status === 404 ? "created" : "updated");
}
