/** The Prometheus data source: read by uid, then create it, or update it when a field we set differs. */
import type { GrafanaDatasource } from "../../../contracts/grafana.js";
import type { GrafanaClient } from "../client.js";
import { containsAll } from "../compare.js";
import { expectStatus, objectBody, segment, type StepResult } from "./common.js";

export async function ensureDatasource(client: GrafanaClient, desired: GrafanaDatasource): Promise<StepResult> {
  const label = `data source "${desired.name}" (uid ${desired.uid})`;
  const result = (outcome: StepResult["outcome"]): StepResult => ({ object: "datasource", uid: desired.uid, name: desired.name, outcome });
  const path = `api/datasources/uid/${segment(desired.uid)}`;
  let current = await client.call("GET", path, `read the ${label}`);
  let createdNow = false;
  if (current.status === 404) {
    const created = await client.call("POST", "api/datasources", `create the ${label}`, desired);
    if (created.status !== 409) {
      expectStatus(created, [200], `create the ${label}`);
      return result("created");
    }
    // Either a retried create that had gone through, or a data source of the user's with our name.
    current = await client.call("GET", path, `read the ${label}`);
    if (current.status === 404) {
      expectStatus(created, [200], `create the ${label}`, `rename or delete the data source named "${desired.name}" in Grafana`);
    }
    createdNow = true;
  }
  expectStatus(current, [200], `read the ${label}`);
  const stored = objectBody(current, `read the ${label}`);
  if (containsAll(desired, stored)) return result(createdNow ? "created" : "unchanged");
  const body = { ...desired, ...(typeof stored["version"] === "number" ? { version: stored["version"] } : {}) };
  expectStatus(await client.call("PUT", path, `update the ${label}`, body), [200], `update the ${label}`);
  return result("updated");
}
