/** Our folder: create it; if it exists (409/412), read it and fix its title if someone renamed it. */
import type { GrafanaFolder } from "../../../contracts/grafana.js";
import type { GrafanaClient } from "../client.js";
import { expectStatus, objectBody, segment, type StepResult } from "./common.js";

export async function ensureFolder(client: GrafanaClient, desired: GrafanaFolder): Promise<StepResult> {
  const label = `folder "${desired.title}" (uid ${desired.uid})`;
  const result = (outcome: StepResult["outcome"]): StepResult => ({ object: "folder", uid: desired.uid, name: desired.title, outcome });
  const created = await client.call("POST", "api/folders", `create the ${label}`, desired);
  if (created.status === 200) return result("created");
  if (created.status !== 409 && created.status !== 412) expectStatus(created, [200], `create the ${label}`);
  const path = `api/folders/${segment(desired.uid)}`;
  const current = await client.call("GET", path, `read the ${label}`);
  if (current.status === 404) {
    // The conflict was not our uid: a folder of the user's already has our title.
    expectStatus(created, [200], `create the ${label}`, `a folder titled "${desired.title}" already exists: rename it in Grafana`);
  }
  expectStatus(current, [200], `read the ${label}`);
  const stored = objectBody(current, `read the ${label}`);
  if (stored["title"] === desired.title) return result("unchanged");
  const body = { title: desired.title, ...(typeof stored["version"] === "number" ? { version: stored["version"] } : { overwrite: true }) };
  expectStatus(await client.call("PUT", path, `rename the ${label}`, body), [200], `rename the ${label}`);
  return result("updated");
}
