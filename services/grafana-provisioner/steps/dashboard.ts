/** Our dashboard: saved with overwrite into our folder when missing or when a field we set differs. */
import type { DashboardSave } from "../../../contracts/grafana.js";
import { isRecord } from "../../../lib/shared/json.js";
import type { GrafanaClient } from "../client.js";
import { containsAll } from "../compare.js";
import { expectStatus, objectBody, segment, type StepResult } from "./common.js";

export async function ensureDashboard(client: GrafanaClient, save: DashboardSave): Promise<StepResult> {
  const { uid, title } = save.dashboard;
  const label = `dashboard "${title}" (uid ${uid})`;
  const result = (outcome: StepResult["outcome"]): StepResult => ({ object: "dashboard", uid, name: title, outcome });
  const current = await client.call("GET", `api/dashboards/uid/${segment(uid)}`, `read the ${label}`);
  if (current.status !== 404) {
    expectStatus(current, [200], `read the ${label}`);
    const stored = objectBody(current, `read the ${label}`);
    const meta = isRecord(stored["meta"]) ? stored["meta"] : {};
    if (containsAll(save.dashboard, stored["dashboard"]) && (meta["folderUid"] ?? "") === save.folderUid) return result("unchanged");
  }
  const what = `${current.status === 404 ? "create" : "update"} the ${label} in folder ${save.folderUid}`;
  expectStatus(await client.call("POST", "api/dashboards/db", what, save), [200], what);
  return result(current.status === 404 ? "created" : "updated");
}
