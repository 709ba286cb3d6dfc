/**
 * The provisioner against the strict fake Grafana, in process: what it creates, that a second run
 * duplicates nothing, that a user's own objects survive, how it waits for a Grafana that is still
 * starting, and how each failure is reported. Loopback only.
 */
import test from "ava";
import { GRAFANA_NAMES, GRAFANA_UIDS, ruleUid, type GrafanaRoute } from "../../../contracts/grafana.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import {
  GrafanaAuthError,
  GrafanaRequestError,
  GrafanaServerError,
  GrafanaUnreachableError,
} from "../../../services/grafana-provisioner/errors.js";
import { provisionGrafana } from "../../../services/grafana-provisioner/service.js";
import type { StepResult } from "../../../services/grafana-provisioner/steps/common.js";
import type { FakeGrafana } from "../../../sandbox/grafana/server.js";
import { ADMIN_PASSWORD, grafanaRequest, startTestGrafana } from "../../sandbox/grafana/helpers.js";

const ORDER = ["datasource", "folder", "dashboard", "rule-group", "contact-point", "notification-policy"];
const GROUP_PATH = `/api/v1/provisioning/folder/${GRAFANA_UIDS.folder}/rule-groups/exoscale-autoscaler`;

function envFor(fake: FakeGrafana, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GRAFANA_URL: fake.url,
    GRAFANA_PASSWORD: ADMIN_PASSWORD,
    SCALER_URL: "http://127.0.0.1:8090",
    WEBHOOK_TOKEN: "hook-token",
    GRAFANA_WAIT_SECONDS: "10",
    ...extra,
  };
}

async function run(
  env: Record<string, string>,
  logger = createMemoryLogger("grafana-provisioner"),
  healthIntervalMs = 50,
): Promise<StepResult[]> {
  return provisionGrafana(env, { logger, healthIntervalMs, retry: { baseDelayMs: 10 } });
}

const outcomes = (results: StepResult[]): Record<string, string> => Object.fromEntries(results.map((r) => [r.object, r.outcome]));

function counts(fake: FakeGrafana): Record<string, number> {
  return {
    datasources: fake.model.datasources.size,
    folders: fake.model.folders.size,
    dashboards: fake.model.dashboards.size,
    ruleGroups: fake.model.ruleGroups.size,
    rules: [...fake.model.ruleGroups.values()].reduce((n, g) => n + g.rules.length, 0),
    contactPoints: fake.model.contactPoints.length,
    routes: ((fake.model.policy["routes"] as unknown[] | undefined) ?? []).length,
  };
}

async function routes(fake: FakeGrafana): Promise<GrafanaRoute[]> {
  const tree = (await grafanaRequest(fake, "GET", "/api/v1/provisioning/policies")).body as GrafanaRoute;
  return tree.routes ?? [];
}

test("a first run creates every object in order, as the contracts render them", async (t) => {
  const fake = await startTestGrafana(t);
  const logger = createMemoryLogger("grafana-provisioner");
  const results = await run(envFor(fake, { PROMETHEUS_URL: "http://127.0.0.1:9090" }), logger);
  t.deepEqual(
    results.map((r) => r.object),
    ORDER,
  );
  t.true(results.every((r) => r.outcome === "created"));
  t.deepEqual(
    logger.lines.filter((l) => typeof l["outcome"] === "string").map((l) => l["msg"]),
    ORDER.map((o) => `${o} created`),
    "one line per object",
  );

  const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
  t.is(paths[0], "GET /api/health");
  const firstOf = (pattern: RegExp): number => paths.findIndex((p) => pattern.test(p));
  const sequence = [/datasources/, /POST \/api\/folders/, /dashboards/, /rule-groups/, /contact-points/, /policies/].map(firstOf);
  t.deepEqual(
    sequence,
    [...sequence].sort((a, b) => a - b),
    `in dependency order: ${paths.join(", ")}`,
  );

  t.like(fake.model.datasources.get(GRAFANA_UIDS.datasource), { type: "prometheus", url: "http://127.0.0.1:9090", access: "proxy" });
  t.is(fake.model.dashboards.get(GRAFANA_UIDS.dashboard)?.folderUid, GRAFANA_UIDS.folder);
  const group = fake.model.ruleGroups.get(`${GRAFANA_UIDS.folder}/exoscale-autoscaler`);
  t.deepEqual(
    group?.rules.map((r) => r["uid"]),
    [ruleUid("up"), ruleUid("down")],
  );
  const point = fake.model.contactPoints.find((p) => p.uid === GRAFANA_UIDS.contactPoint);
  t.like(point, {
    type: "webhook",
    disableResolveMessage: false,
    settings: { url: "http://127.0.0.1:8090/webhook", authorization_scheme: "Bearer", authorization_credentials: "hook-token" },
  });
  t.is(fake.model.policy["receiver"], "grafana-default-email", "the root policy is the user's");
  t.like((await routes(fake))[0], { receiver: GRAFANA_NAMES.contactPoint, repeat_interval: "1m" });
});

test("a second run duplicates nothing: everything is unchanged but the contact point, whose secret cannot be read back", async (t) => {
  const fake = await startTestGrafana(t);
  await run(envFor(fake));
  const before = counts(fake);
  const writes = fake.model.writes.length;
  const second = await run(envFor(fake));
  t.deepEqual(counts(fake), before);
  t.deepEqual(outcomes(second), {
    datasource: "unchanged",
    folder: "unchanged",
    dashboard: "unchanged",
    "rule-group": "unchanged",
    "contact-point": "updated",
    "notification-policy": "unchanged",
  });
  t.deepEqual(
    fake.model.writes.slice(writes).map((w) => w.kind),
    ["contact-point"],
    "nothing else was rewritten",
  );
  t.is(fake.model.dashboards.get(GRAFANA_UIDS.dashboard)?.version, 1);
  const open = await run(envFor(fake, { WEBHOOK_TOKEN: "" }));
  t.is(outcomes(open)["contact-point"], "updated", "dropping the token is written");
  t.is(outcomes(await run(envFor(fake, { WEBHOOK_TOKEN: "" })))["contact-point"], "unchanged", "without a secret it can be compared");
  // A credential stored without its scheme shows back only as "[REDACTED]": it is still a difference.
  const ours = fake.model.contactPoints.find((p) => p.uid === GRAFANA_UIDS.contactPoint)!;
  ours.settings["authorization_credentials"] = "left-over";
  t.is(outcomes(await run(envFor(fake, { WEBHOOK_TOKEN: "" })))["contact-point"], "updated");
  t.false("authorization_credentials" in fake.model.contactPoints.find((p) => p.uid === GRAFANA_UIDS.contactPoint)!.settings);
});

test("changed settings update the objects in place", async (t) => {
  const fake = await startTestGrafana(t);
  await run(envFor(fake));
  const before = counts(fake);
  const results = await run(
    envFor(fake, { SCALE_UP_CPU: "85", PROMETHEUS_URL: "http://127.0.0.1:9099", SCALER_URL: "http://127.0.0.1:8099" }),
  );
  t.like(outcomes(results), {
    datasource: "updated",
    folder: "unchanged",
    dashboard: "updated",
    "rule-group": "updated",
    "contact-point": "updated",
  });
  t.deepEqual(counts(fake), before);
  t.is(fake.model.datasources.get(GRAFANA_UIDS.datasource)?.["url"], "http://127.0.0.1:9099");
  t.is(fake.model.dashboards.get(GRAFANA_UIDS.dashboard)?.version, 2);
  const up = fake.model.ruleGroups.get(`${GRAFANA_UIDS.folder}/exoscale-autoscaler`)?.rules[0];
  t.deepEqual((up?.["data"] as Array<{ model: Record<string, unknown> }>)[2]!.model["conditions"], [
    { evaluator: { type: "gt", params: [85] } },
  ]);
  t.is(fake.model.contactPoints.find((p) => p.uid === GRAFANA_UIDS.contactPoint)?.settings["url"], "http://127.0.0.1:8099/webhook");

  const faster = await run(envFor(fake, { SCALE_UP_CPU: "85", PROMETHEUS_URL: "http://127.0.0.1:9099", RULE_EVALUATION_SECONDS: "30" }));
  t.like(outcomes(faster), { datasource: "unchanged", "rule-group": "updated" });
  t.is(fake.model.ruleGroups.get(`${GRAFANA_UIDS.folder}/exoscale-autoscaler`)?.interval, 30);
});

test("a user's own contact point, route, dashboard and rule are kept; our renamed folder and edited route are restored", async (t) => {
  const fake = await startTestGrafana(t);
  const team = { uid: "team-mail", name: "team", type: "email", settings: { addresses: "team@example.com" } };
  t.is((await grafanaRequest(fake, "POST", "/api/v1/provisioning/contact-points", team)).status, 202);
  const userRoute = { receiver: "team", object_matchers: [["team", "=", "web"]], group_wait: "30s" };
  const tree = { receiver: "grafana-default-email", group_by: ["grafana_folder", "alertname"], routes: [userRoute] };
  t.is((await grafanaRequest(fake, "PUT", "/api/v1/provisioning/policies", tree)).status, 202);
  const userDashboard = { dashboard: { uid: "mine", title: "My dashboard", panels: [] } };
  t.is((await grafanaRequest(fake, "POST", "/api/dashboards/db", userDashboard)).status, 200);

  await run(envFor(fake));
  t.deepEqual(await routes(fake), [(await routes(fake))[0], userRoute], "ours first, the user's kept as it was");
  t.true(fake.model.contactPoints.some((p) => p.uid === "team-mail" && p.name === "team"));
  t.is(fake.model.dashboards.get("mine")?.version, 1);

  // The user adds a rule to our group, renames our folder and edits our route.
  const group = (await grafanaRequest(fake, "GET", GROUP_PATH)).body as { rules: Array<Record<string, unknown>>; interval: number };
  const userRule = { ...structuredClone(group.rules[0]!), uid: "user-rule", title: "My own rule", labels: { team: "web" } };
  t.is((await grafanaRequest(fake, "PUT", GROUP_PATH, { ...group, rules: [...group.rules, userRule] })).status, 200);
  const folder = (await grafanaRequest(fake, "GET", `/api/folders/${GRAFANA_UIDS.folder}`)).body as { version: number };
  t.is(
    (await grafanaRequest(fake, "PUT", `/api/folders/${GRAFANA_UIDS.folder}`, { title: "Renamed", version: folder.version })).status,
    200,
  );
  const [ours, theirs] = await routes(fake);
  const edited = { ...tree, routes: [theirs, { ...ours, repeat_interval: "4h", group_interval: "5m" }] };
  t.is((await grafanaRequest(fake, "PUT", "/api/v1/provisioning/policies", edited)).status, 202);

  // …and moves our dashboard out of our folder.
  const dashboard = (await grafanaRequest(fake, "GET", `/api/dashboards/uid/${GRAFANA_UIDS.dashboard}`)).body as { dashboard: object };
  t.is(
    (await grafanaRequest(fake, "POST", "/api/dashboards/db", { dashboard: dashboard.dashboard, folderUid: "", overwrite: true })).status,
    200,
  );

  const results = await run(envFor(fake));
  t.like(outcomes(results), { folder: "updated", dashboard: "updated", "rule-group": "unchanged", "notification-policy": "updated" });
  t.is(fake.model.dashboards.get(GRAFANA_UIDS.dashboard)?.folderUid, GRAFANA_UIDS.folder);
  t.is(fake.model.folders.get(GRAFANA_UIDS.folder)?.["title"], GRAFANA_NAMES.folder);
  const after = await routes(fake);
  t.deepEqual(after[0], userRoute, "our route was replaced where the user had moved it");
  t.like(after[1], { receiver: GRAFANA_NAMES.contactPoint, repeat_interval: "1m", group_interval: "1m" });
  t.is(after.length, 2);

  // A change to our rules must not drop the user's rule from the group.
  await run(envFor(fake, { SCALE_UP_CPU: "90" }));
  const rules = fake.model.ruleGroups.get(`${GRAFANA_UIDS.folder}/exoscale-autoscaler`)!.rules;
  t.deepEqual(
    rules.map((r) => r["uid"]),
    [ruleUid("up"), ruleUid("down"), "user-rule"],
  );
  t.like(rules[2], { title: "My own rule", labels: { team: "web" } });
});

test("every write carries X-Disable-Provenance, so nothing provisioned is locked in Grafana's UI", async (t) => {
  const fake = await startTestGrafana(t);
  await run(envFor(fake));
  await run(envFor(fake, { SCALE_UP_CPU: "70" }));
  const writes = fake.requests.filter((r) => r.method !== "GET");
  t.true(writes.length >= 10);
  t.deepEqual(
    writes.filter((r) => !r.disableProvenance).map((r) => `${r.method} ${r.path}`),
    [],
  );
  t.true(fake.model.writes.every((w) => w.disableProvenance));
  const group = fake.model.ruleGroups.get(`${GRAFANA_UIDS.folder}/exoscale-autoscaler`)!;
  t.true(group.rules.every((r) => r["provenance"] === ""));
  t.is(fake.model.contactPoints.find((p) => p.uid === GRAFANA_UIDS.contactPoint)?.provenance, "");
  t.is(fake.model.policyProvenance, "");
});

test("a wrong password fails at once with a message naming GRAFANA_PASSWORD, and writes nothing", async (t) => {
  const fake = await startTestGrafana(t);
  const started = Date.now();
  const error = await t.throwsAsync(run(envFor(fake, { GRAFANA_PASSWORD: "wrong", GRAFANA_WAIT_SECONDS: "60" })), {
    instanceOf: GrafanaAuthError,
  });
  t.true(Date.now() - started < 2000, "no waiting, no retries");
  t.regex(error.message, /Grafana refused the credentials for GRAFANA_USER "admin" .*check GRAFANA_PASSWORD/);
  t.deepEqual(
    fake.requests.map((r) => r.status),
    [200, 401],
  );
  t.is(fake.model.writes.length, 0);
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

for (const mode of ["refused", "unavailable"] as const) {
  test(`a Grafana still starting (${mode === "refused" ? "connection refused" : "503"}) is waited for, then provisioned`, async (t) => {
    const fake = await startTestGrafana(t, { notReadyMs: 700, notReadyMode: mode });
    const logger = createMemoryLogger("grafana-provisioner");
    const { value, ms } = await timed(() => run(envFor(fake, { GRAFANA_WAIT_SECONDS: "10" }), logger));
    t.true(ms >= 500, `waited ${ms} ms`);
    t.true(value.every((r) => r.outcome === "created"));
    const waiting = logger.lines.find((l) => l["msg"] === "waiting for Grafana");
    t.regex(String(waiting?.["problem"]), mode === "refused" ? /ECONNREFUSED/ : /503 with database "failing"/);
  });
}

test("a Grafana that comes up between two probes, just before the deadline, is still seen: the last probe is at the deadline", async (t) => {
  const fake = await startTestGrafana(t, { notReadyMs: 400 });
  // One probe at the start, the next (with a 5 s interval) only at the 1 s deadline.
  const { value, ms } = await timed(() => run(envFor(fake, { GRAFANA_WAIT_SECONDS: "1" }), undefined, 5000));
  t.true(value.every((r) => r.outcome === "created"));
  t.true(ms >= 900, `the second probe came at the deadline (${ms} ms)`);
  t.deepEqual(
    fake.requests.filter((r) => r.path === "/api/health").map((r) => r.status),
    [503, 200],
  );
});

test("a Grafana that is not up within GRAFANA_WAIT_SECONDS fails naming the URL, the wait and the last problem", async (t) => {
  const fake = await startTestGrafana(t, { notReadyMs: 60_000 });
  const { value: error, ms } = await timed(() =>
    t.throwsAsync(run(envFor(fake, { GRAFANA_WAIT_SECONDS: "1" })), { instanceOf: GrafanaUnreachableError }),
  );
  t.true(ms >= 900 && ms < 4000, `gave up after ${ms} ms`);
  t.regex(error.message, new RegExp(`Grafana at ${fake.url} was not ready within 1 s \\(GRAFANA_WAIT_SECONDS\\)`));
  t.regex(error.message, /503 with database "failing"/);
  t.is(fake.model.writes.length, 0);

  const closed = await startTestGrafana(t);
  const url = closed.url;
  await closed.close();
  const refused = await t.throwsAsync(run({ ...envFor(fake), GRAFANA_URL: url, GRAFANA_WAIT_SECONDS: "0" }), {
    instanceOf: GrafanaUnreachableError,
  });
  t.regex(refused.message, new RegExp(`${url}/api/health got: .*ECONNREFUSED`));
});

test("a 4xx names the object and Grafana's message", async (t) => {
  const fake = await startTestGrafana(t);
  const theirs = { uid: "users-prometheus", name: GRAFANA_NAMES.datasource, type: "prometheus", url: "http://prom:9090", access: "proxy" };
  t.is((await grafanaRequest(fake, "POST", "/api/datasources", theirs)).status, 200);
  const error = await t.throwsAsync(run(envFor(fake)), { instanceOf: GrafanaRequestError });
  t.regex(
    error.message,
    /Grafana refused to create the data source "exoscale-autoscaler Prometheus" \(uid exoscale-autoscaler-prometheus\) \(409\): data source with the same name already exists; rename or delete/,
  );

  const other = await startTestGrafana(t);
  t.is((await grafanaRequest(other, "POST", "/api/folders", { uid: "users-folder", title: GRAFANA_NAMES.folder })).status, 200);
  const folder = await t.throwsAsync(run(envFor(other)), { instanceOf: GrafanaRequestError });
  t.regex(
    folder.message,
    /create the folder "Exoscale autoscaler" \(uid exoscale-autoscaler\) \(409\): .*same name already exists; a folder titled/,
  );
});

test("a 5xx is retried a few times; a 400 is not", async (t) => {
  const fake = await startTestGrafana(t);
  fake.failNext({ method: "PUT", path: /rule-groups/, status: 503, times: 2 });
  const results = await run(envFor(fake));
  t.is(outcomes(results)["rule-group"], "created");
  t.is(fake.requests.filter((r) => r.method === "PUT" && r.path.includes("rule-groups")).length, 3);

  const broken = await startTestGrafana(t);
  broken.failNext({ method: "POST", path: /^\/api\/folders$/, status: 500, times: 100 });
  const server = await t.throwsAsync(run(envFor(broken)), { instanceOf: GrafanaServerError });
  t.regex(
    server.message,
    /Grafana failed to create the folder "Exoscale autoscaler" .* with 500 \(injected failure \(500\)\) after retries/,
  );
  t.is(broken.requests.filter((r) => r.method === "POST" && r.path === "/api/folders").length, 4, "the first attempt and 3 retries");

  const refusing = await startTestGrafana(t);
  refusing.failNext({ method: "POST", path: /contact-points$/, status: 400 });
  const request = await t.throwsAsync(run(envFor(refusing)), { instanceOf: GrafanaRequestError });
  t.regex(request.message, /Grafana refused to create the contact point "exoscale-autoscaler scaler" .*\(400\): injected failure/);
  t.is(refusing.requests.filter((r) => r.method === "POST" && r.path.endsWith("contact-points")).length, 1);
});

test("a create whose answer was lost finds its own object on the retry instead of failing or duplicating it", async (t) => {
  const fake = await startTestGrafana(t);
  // Each create is carried out, then answered 502: the client retries and meets its own first attempt.
  fake.failNext({ method: "POST", path: /^\/api\/datasources$/, status: 502, afterHandling: true });
  fake.failNext({ method: "POST", path: /contact-points$/, status: 502, afterHandling: true });
  const results = await run(envFor(fake));
  t.like(outcomes(results), { datasource: "created", "contact-point": "created" });
  t.deepEqual(
    fake.requests.filter((r) => r.method === "POST" && /datasources|contact-points/.test(r.path)).map((r) => r.status),
    [502, 409, 502, 400],
  );
  t.is(fake.model.datasources.size, 1);
  t.is(fake.model.contactPoints.filter((p) => p.uid === GRAFANA_UIDS.contactPoint).length, 1);
});
