/**
 * The fake Grafana itself: it must be as strict as Grafana where the provisioner could go wrong, or the
 * provisioner's tests would prove nothing. Facts from Grafana's HTTP API spec: /api/health needs no auth
 * and reports `database`; errors are `{message}`; ProvisionedAlertRule requires orgID, folderUID, ruleGroup,
 * title, condition, data, noDataState (Alerting|NoData|OK), execErrState (OK|Alerting|Error) and for;
 * expressions use the data source uid `__expr__`; contact point POST answers 202, policies PUT 202;
 * dashboards/db answers 412 on a changed version; data sources and folders 409 on a duplicate.
 */
import test from "ava";
import { scalingAlertSpec } from "../../../contracts/alertRules.js";
import { grafanaDatasource, grafanaFolder, grafanaRuleGroup, GRAFANA_UIDS } from "../../../contracts/grafana.js";
import { parseDuration } from "../../../sandbox/grafana/validate.js";
import { waitFor } from "../../helpers/wait.js";
import { grafanaRequest, startTestGrafana } from "./helpers.js";

const spec = scalingAlertSpec({ upCpuPercent: 80, downCpuPercent: 20 });

function messageOf(body: unknown): string {
  return String((body as { message?: unknown }).message);
}

test("health needs no credentials; everything else answers 401 without them or with a wrong password", async (t) => {
  const fake = await startTestGrafana(t);
  const health = await grafanaRequest(fake, "GET", "/api/health", undefined, { password: null });
  t.is(health.status, 200);
  t.like(health.body, { database: "ok" });
  const none = await grafanaRequest(fake, "GET", "/api/v1/provisioning/policies", undefined, { password: null });
  t.is(none.status, 401);
  t.is(messageOf(none.body), "Unauthorized");
  const wrong = await grafanaRequest(fake, "GET", "/api/v1/provisioning/policies", undefined, { password: "nope" });
  t.is(wrong.status, 401);
  t.regex(messageOf(wrong.body), /Invalid username or password/);
  t.is((await grafanaRequest(fake, "GET", "/api/v1/provisioning/policies")).status, 200);
  t.is((await grafanaRequest(fake, "GET", "/api/nothing-here")).status, 404);
  t.is((await grafanaRequest(fake, "DELETE", "/api/v1/provisioning/policies")).status, 405);
});

test("data sources: 409 on a duplicate name or uid; versions count updates; PUT with an old version is refused", async (t) => {
  const fake = await startTestGrafana(t);
  const ds = grafanaDatasource("http://127.0.0.1:9090");
  const created = await grafanaRequest(fake, "POST", "/api/datasources", ds);
  t.is(created.status, 200);
  t.like(created.body, { message: "Datasource added", name: ds.name, datasource: { uid: ds.uid, version: 1 } });
  const sameName = await grafanaRequest(fake, "POST", "/api/datasources", { ...ds, uid: "other" });
  t.is(sameName.status, 409);
  t.regex(messageOf(sameName.body), /same name/);
  t.is((await grafanaRequest(fake, "POST", "/api/datasources", { ...ds, name: "other" })).status, 409);
  t.is((await grafanaRequest(fake, "POST", "/api/datasources", { type: "prometheus" })).status, 400);
  t.is((await grafanaRequest(fake, "PUT", `/api/datasources/uid/${ds.uid}`, { ...ds, url: "http://x:9090", version: 1 })).status, 200);
  t.like((await grafanaRequest(fake, "GET", `/api/datasources/uid/${ds.uid}`)).body, { url: "http://x:9090", version: 2 });
  t.is((await grafanaRequest(fake, "PUT", `/api/datasources/uid/${ds.uid}`, { ...ds, version: 1 })).status, 409);
  t.is((await grafanaRequest(fake, "GET", "/api/datasources/uid/missing")).status, 404);
});

test("folders: 409 on a duplicate uid or title; an update needs the current version", async (t) => {
  const fake = await startTestGrafana(t);
  t.is((await grafanaRequest(fake, "POST", "/api/folders", grafanaFolder())).status, 200);
  t.is((await grafanaRequest(fake, "POST", "/api/folders", grafanaFolder())).status, 409);
  t.is((await grafanaRequest(fake, "POST", "/api/folders", { uid: "another", title: grafanaFolder().title })).status, 409);
  t.is((await grafanaRequest(fake, "POST", "/api/folders", { uid: "x" })).status, 400);
  t.is((await grafanaRequest(fake, "PUT", `/api/folders/${GRAFANA_UIDS.folder}`, { title: "Renamed" })).status, 409);
  t.is((await grafanaRequest(fake, "PUT", `/api/folders/${GRAFANA_UIDS.folder}`, { title: "Renamed", version: 1 })).status, 200);
  t.like((await grafanaRequest(fake, "GET", `/api/folders/${GRAFANA_UIDS.folder}`)).body, { title: "Renamed", version: 2 });
});

test("dashboards: 412 on an existing uid without overwrite, versions count saves, unknown folders are refused", async (t) => {
  const fake = await startTestGrafana(t);
  await grafanaRequest(fake, "POST", "/api/folders", grafanaFolder());
  const save = { dashboard: { uid: "d1", title: "One", panels: [] }, folderUid: GRAFANA_UIDS.folder };
  t.like((await grafanaRequest(fake, "POST", "/api/dashboards/db", save)).body, { status: "success", version: 1, uid: "d1" });
  const again = await grafanaRequest(fake, "POST", "/api/dashboards/db", save);
  t.is(again.status, 412);
  t.like(again.body, { status: "version-mismatch" });
  t.like((await grafanaRequest(fake, "POST", "/api/dashboards/db", { ...save, overwrite: true })).body, { version: 2 });
  const read = await grafanaRequest(fake, "GET", "/api/dashboards/uid/d1");
  t.like(read.body, { dashboard: { uid: "d1", title: "One", version: 2 }, meta: { folderUid: GRAFANA_UIDS.folder } });
  t.is((await grafanaRequest(fake, "POST", "/api/dashboards/db", { ...save, folderUid: "nope", overwrite: true })).status, 400);
  t.is((await grafanaRequest(fake, "POST", "/api/dashboards/db", { dashboard: { uid: "d2" } })).status, 400);
});

async function withFolderAndDatasource(t: Parameters<typeof startTestGrafana>[0]) {
  const fake = await startTestGrafana(t);
  await grafanaRequest(fake, "POST", "/api/datasources", grafanaDatasource("http://127.0.0.1:9090"));
  await grafanaRequest(fake, "POST", "/api/folders", grafanaFolder());
  return fake;
}

const groupPath = `/api/v1/provisioning/folder/${GRAFANA_UIDS.folder}/rule-groups/${spec.group}`;

test("rule groups: our rendered group is accepted; bad enums, a dangling condition, an unknown data source, a 15 s interval are 400", async (t) => {
  const fake = await withFolderAndDatasource(t);
  const group = grafanaRuleGroup(spec);
  t.is((await grafanaRequest(fake, "PUT", groupPath, group)).status, 200);
  const read = await grafanaRequest(fake, "GET", groupPath);
  t.like(read.body, { title: spec.group, interval: 60 });

  const bad = async (change: (g: ReturnType<typeof grafanaRuleGroup>) => unknown, pattern: RegExp): Promise<void> => {
    const answer = await grafanaRequest(fake, "PUT", groupPath, change(structuredClone(group)));
    t.is(answer.status, 400, pattern.source);
    t.regex(messageOf(answer.body), pattern);
  };
  await bad((g) => ({ ...g, rules: [{ ...g.rules[0], noDataState: "Ok" }] }), /noDataState must be one of/);
  await bad((g) => ({ ...g, rules: [{ ...g.rules[0], execErrState: "Firing" }] }), /execErrState must be one of/);
  await bad((g) => ({ ...g, rules: [{ ...g.rules[0], condition: "D" }] }), /condition "D" is not the refId/);
  await bad((g) => {
    g.rules[0]!.data[0]!.datasourceUid = "no-such-ds";
    return g;
  }, /data source no-such-ds not found/);
  await bad((g) => {
    g.rules[0]!.data[1]!.model["expression"] = "Z";
    return g;
  }, /reduce expression input "Z"/);
  await bad((g) => ({ ...g, interval: 15 }), /multiple of 10/);
  await bad((g) => ({ ...g, rules: [{ ...g.rules[0], for: undefined }] }), /missing required field\(s\): for/);
  await bad((g) => ({ ...g, rules: [{ ...g.rules[0], folderUID: "elsewhere" }] }), /folderUID must be the folder/);
  const noFolder = await grafanaRequest(fake, "PUT", `/api/v1/provisioning/folder/nope/rule-groups/${spec.group}`, group);
  t.is(noFolder.status, 404);
});

test("contact points: 202 on create, 400 on a duplicate uid or a webhook without url, credentials redacted on read", async (t) => {
  const fake = await startTestGrafana(t);
  const point = {
    uid: "cp1",
    name: "hook",
    type: "webhook",
    settings: { url: "http://127.0.0.1:8090/webhook", authorization_credentials: "s3cret" },
  };
  const created = await grafanaRequest(fake, "POST", "/api/v1/provisioning/contact-points", point);
  t.is(created.status, 202);
  t.is((await grafanaRequest(fake, "POST", "/api/v1/provisioning/contact-points", point)).status, 400);
  const noUrl = await grafanaRequest(fake, "POST", "/api/v1/provisioning/contact-points", { ...point, uid: "cp2", settings: {} });
  t.is(noUrl.status, 400);
  t.regex(messageOf(noUrl.body), /settings\.url/);
  t.is(
    (await grafanaRequest(fake, "POST", "/api/v1/provisioning/contact-points", { ...point, uid: "cp3", type: "carrier-pigeon" })).status,
    400,
  );
  const both = { ...point, uid: "cp4", settings: { ...point.settings, username: "u", password: "p" } };
  t.is((await grafanaRequest(fake, "POST", "/api/v1/provisioning/contact-points", both)).status, 400);
  const list = (await grafanaRequest(fake, "GET", "/api/v1/provisioning/contact-points")).body as Array<Record<string, unknown>>;
  t.deepEqual(
    list.map((p) => p["name"]),
    ["grafana-default-email", "hook"],
  );
  t.like(list[1], { settings: { authorization_credentials: "[REDACTED]" } });
  t.is(fake.model.contactPoints[1]!.settings["authorization_credentials"], "s3cret", "the state keeps the real value");
  t.is((await grafanaRequest(fake, "PUT", "/api/v1/provisioning/contact-points/cp1", { ...point, name: "hook2" })).status, 202);
  t.is((await grafanaRequest(fake, "PUT", "/api/v1/provisioning/contact-points/nope", point)).status, 404);
});

test("policies: a tree naming an unknown receiver, or a root with matchers, is 400; a valid one is 202", async (t) => {
  const fake = await startTestGrafana(t);
  const tree = { receiver: "grafana-default-email", routes: [{ receiver: "missing", object_matchers: [["scale", "=~", "up|down"]] }] };
  const unknown = await grafanaRequest(fake, "PUT", "/api/v1/provisioning/policies", tree);
  t.is(unknown.status, 400);
  t.regex(messageOf(unknown.body), /receiver "missing" does not exist/);
  const rooted = { receiver: "grafana-default-email", object_matchers: [["a", "=", "b"]] };
  t.is((await grafanaRequest(fake, "PUT", "/api/v1/provisioning/policies", rooted)).status, 400);
  const badOp = { receiver: "grafana-default-email", routes: [{ object_matchers: [["a", "~", "b"]] }] };
  t.is((await grafanaRequest(fake, "PUT", "/api/v1/provisioning/policies", badOp)).status, 400);
  const good = { receiver: "grafana-default-email", routes: [{ receiver: "grafana-default-email", group_wait: "5s" }] };
  t.is((await grafanaRequest(fake, "PUT", "/api/v1/provisioning/policies", good)).status, 202);
  t.like((await grafanaRequest(fake, "GET", "/api/v1/provisioning/policies")).body, { ...good, provenance: "api" });
});

test("X-Disable-Provenance is recorded per write; without it provisioned objects get provenance api", async (t) => {
  const fake = await startTestGrafana(t);
  const point = { uid: "cp1", name: "hook", type: "webhook", settings: { url: "http://127.0.0.1:8090/webhook" } };
  await grafanaRequest(fake, "POST", "/api/v1/provisioning/contact-points", point);
  await grafanaRequest(fake, "PUT", "/api/v1/provisioning/contact-points/cp1", point, { headers: { "x-disable-provenance": "true" } });
  t.deepEqual(
    fake.model.writesOf("contact-point", "cp1").map((w) => w.disableProvenance),
    [false, true],
  );
  t.is(fake.model.contactPoints[1]!.provenance, "");
  t.deepEqual(
    fake.requests.filter((r) => r.method !== "GET").map((r) => r.disableProvenance),
    [false, true],
  );
});

test("malformed JSON is a 400 with Grafana's message", async (t) => {
  const fake = await startTestGrafana(t);
  const answer = await grafanaRequest(fake, "POST", "/api/folders", "{not json");
  t.is(answer.status, 400);
  t.is(messageOf(answer.body), "bad request data");
});

test("not ready: every endpoint answers 503 until it is ready", async (t) => {
  const fake = await startTestGrafana(t, { notReadyMs: 60_000 });
  const early = await grafanaRequest(fake, "GET", "/api/health", undefined, { password: null });
  t.is(early.status, 503);
  t.like(early.body, { database: "failing" });
  t.is((await grafanaRequest(fake, "GET", "/api/v1/provisioning/policies")).status, 503);
  await fake.becomeReady();
  t.is((await grafanaRequest(fake, "GET", "/api/health", undefined, { password: null })).status, 200);
});

test("not ready for a while: it becomes ready by itself once the delay is over", async (t) => {
  // Timed from before the start: the delay counts from there, however long starting takes on a busy machine.
  const started = Date.now();
  const fake = await startTestGrafana(t, { notReadyMs: 300 });
  const health = async (): Promise<number> => (await grafanaRequest(fake, "GET", "/api/health", undefined, { password: null })).status;
  await waitFor(async () => ((await health()) === 200 ? true : undefined), { timeoutMs: 5000, intervalMs: 20, what: "health 200" });
  t.true(Date.now() - started >= 295, "not ready before its delay");
});

test("not ready (refused): nothing listens until it is ready", async (t) => {
  const fake = await startTestGrafana(t, { notReadyMs: 60_000, notReadyMode: "refused" });
  await t.throwsAsync(fetch(`${fake.url}/api/health`));
  await fake.becomeReady();
  t.is((await grafanaRequest(fake, "GET", "/api/health", undefined, { password: null })).status, 200);
});

test("failNext answers the next matching requests with the given status", async (t) => {
  const fake = await startTestGrafana(t);
  fake.failNext({ method: "GET", path: /^\/api\/folders$/, status: 503, times: 2 });
  t.is((await grafanaRequest(fake, "GET", "/api/folders")).status, 503);
  t.is((await grafanaRequest(fake, "GET", "/api/folders")).status, 503);
  t.is((await grafanaRequest(fake, "GET", "/api/folders")).status, 200);
});

test("durations parse like Grafana's", (t) => {
  t.is(parseDuration("1m30s"), 90_000);
  t.is(parseDuration("0s"), 0);
  t.is(parseDuration("4h"), 4 * 3_600_000);
  t.is(parseDuration("5 m"), undefined);
  t.is(parseDuration(""), undefined);
  t.is(parseDuration(60), undefined);
});
