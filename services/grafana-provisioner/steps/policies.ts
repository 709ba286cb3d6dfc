/**
 * The notification policy tree: read it, put our route into it (mergeRoute keeps every route of the
 * user's), and write it back only if that changed anything. A PUT replaces the whole tree.
 */
import { isOurRoute, mergeRoute, type GrafanaRoute } from "../../../contracts/grafana.js";
import { isRecord } from "../../../lib/shared/json.js";
import type { GrafanaClient } from "../client.js";
import { sameJson } from "../compare.js";
import { expectStatus, objectBody, type StepResult } from "./common.js";

const PATH = "api/v1/provisioning/policies";

/** Grafana reports each node's provenance; it is not part of what a write sets. */
function withoutProvenance(route: Record<string, unknown>): GrafanaRoute {
  const copy: GrafanaRoute = {};
  for (const [key, value] of Object.entries(route)) {
    if (key === "provenance") continue;
    copy[key] =
      key === "routes" && Array.isArray(value) ? value.map((child) => (isRecord(child) ? withoutProvenance(child) : child)) : value;
  }
  return copy;
}

/** Grafana leaves out `continue: false` and empty lists when it shows a route back. */
function normalised(route: GrafanaRoute): GrafanaRoute {
  const copy: GrafanaRoute = { ...route };
  if (copy.continue === false) delete copy.continue;
  if (Array.isArray(copy.routes) && copy.routes.length === 0) delete copy.routes;
  return copy;
}

export async function ensurePolicies(client: GrafanaClient, ours: GrafanaRoute): Promise<StepResult> {
  const label = `notification policy tree (our route to "${ours.receiver ?? ""}")`;
  const result = (outcome: StepResult["outcome"]): StepResult => ({
    object: "notification-policy",
    uid: "tree",
    name: ours.receiver ?? "",
    outcome,
  });
  const current = await client.call("GET", PATH, `read the ${label}`);
  expectStatus(current, [200], `read the ${label}`);
  const tree = withoutProvenance(objectBody(current, `read the ${label}`));
  const mine = (tree.routes ?? []).filter((route) => isOurRoute(route, ours));
  if (mine.length === 1 && sameJson(normalised(mine[0]!), normalised(ours))) return result("unchanged");
  const what = `${mine.length === 0 ? "add our route to" : "update our route in"} the notification policy tree`;
  expectStatus(await client.call("PUT", PATH, what, mergeRoute(tree, ours)), [202], what);
  return result(mine.length === 0 ? "created" : "updated");
}
