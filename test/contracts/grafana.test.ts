import test from "ava";
import { scalingAlertSpec } from "../../contracts/alertRules.js";
import {
  GRAFANA_NAMES,
  GRAFANA_UIDS,
  grafanaContactPoint,
  grafanaDashboard,
  grafanaDashboardSave,
  grafanaDatasource,
  grafanaDuration,
  grafanaFolder,
  grafanaRoute,
  grafanaRuleGroup,
  mergeRoute,
  ruleUid,
  type GrafanaRoute,
} from "../../contracts/grafana.js";

const spec = scalingAlertSpec({ upCpuPercent: 80, downCpuPercent: 20 });

test("durations are written as Grafana prints them back", (t) => {
  t.is(grafanaDuration(0), "0s");
  t.is(grafanaDuration(5), "5s");
  t.is(grafanaDuration(60), "1m");
  t.is(grafanaDuration(90), "1m30s");
  t.is(grafanaDuration(3600), "1h");
  t.is(grafanaDuration(7 * 86400 + 1), "1w1s");
  t.throws(() => grafanaDuration(1.5), { instanceOf: RangeError });
});

test("the data source is Prometheus by fixed uid, queried through Grafana's server, never made the default", (t) => {
  t.deepEqual(grafanaDatasource("http://127.0.0.1:9090/"), {
    uid: "exoscale-autoscaler-prometheus",
    name: GRAFANA_NAMES.datasource,
    type: "prometheus",
    url: "http://127.0.0.1:9090",
    access: "proxy",
    isDefault: false,
    jsonData: { httpMethod: "POST", timeInterval: "15s" },
  });
  t.deepEqual(grafanaFolder(), { uid: GRAFANA_UIDS.folder, title: GRAFANA_NAMES.folder });
});

test("the rule group: interval, fixed uids, A query → B reduce last → C threshold, never firing on no data or errors", (t) => {
  const group = grafanaRuleGroup(spec);
  t.is(group.title, spec.group);
  t.is(group.folderUid, GRAFANA_UIDS.folder);
  t.is(group.interval, 60);
  t.deepEqual(
    group.rules.map((r) => r.uid),
    [ruleUid("up"), ruleUid("down")],
  );
  const [up, down] = group.rules;
  t.like(up, {
    orgID: 1,
    folderUID: GRAFANA_UIDS.folder,
    ruleGroup: spec.group,
    title: "PoolCpuHigh",
    condition: "C",
    noDataState: "OK",
    execErrState: "OK",
    for: "1m",
    labels: { scale: "up" },
    annotations: { summary: spec.rules[0]!.summary },
    isPaused: false,
  });
  t.deepEqual(
    up!.data.map((q) => [q.refId, q.datasourceUid]),
    [
      ["A", GRAFANA_UIDS.datasource],
      ["B", "__expr__"],
      ["C", "__expr__"],
    ],
  );
  const [query, reduce, threshold] = up!.data;
  t.deepEqual(query!.relativeTimeRange, { from: 600, to: 0 });
  t.is(query!.model["expr"], spec.cpuQuery);
  t.like(reduce!.model, { refId: "B", type: "reduce", expression: "A", reducer: "last" });
  t.like(threshold!.model, { refId: "C", type: "threshold", expression: "B" });
  t.deepEqual(threshold!.model["conditions"], [{ evaluator: { type: "gt", params: [80] } }]);
  t.deepEqual(down!.data[2]!.model["conditions"], [{ evaluator: { type: "lt", params: [20] } }]);
  t.deepEqual(down!.labels, { scale: "down" });
});

test("the reduce refId follows the scaler's CPU_VALUE_REF, and cannot collide with the query or the condition", (t) => {
  const group = grafanaRuleGroup(spec, { cpuValueRef: "CPU" });
  const [, reduce, threshold] = group.rules[0]!.data;
  t.is(reduce!.refId, "CPU");
  t.is(threshold!.model["expression"], "CPU");
  t.throws(() => grafanaRuleGroup(spec, { cpuValueRef: "A" }), { message: /must not be A or C/ });
  t.throws(() => grafanaRuleGroup(spec, { cpuValueRef: "C" }), { instanceOf: RangeError });
  t.throws(() => grafanaRuleGroup(spec, { cpuValueRef: "1x" }), { instanceOf: RangeError });
});

test("pending period and evaluation interval come from the spec; the interval is a multiple of 10 s up to 60 s", (t) => {
  const group = grafanaRuleGroup(scalingAlertSpec({ upCpuPercent: 70, downCpuPercent: 30, pendingSeconds: 90, evaluationSeconds: 20 }));
  t.is(group.interval, 20);
  t.is(group.rules[0]!.for, "1m30s");
  t.throws(() => grafanaRuleGroup(scalingAlertSpec({ upCpuPercent: 70, downCpuPercent: 30, evaluationSeconds: 15 })), {
    message: /multiple of 10/,
  });
  t.throws(() => grafanaRuleGroup(scalingAlertSpec({ upCpuPercent: 70, downCpuPercent: 30, evaluationSeconds: 120 })), {
    message: /10 to 60/,
  });
});

test("the contact point posts to the scaler's /webhook, with the token as a Bearer credential, resolved messages on", (t) => {
  t.deepEqual(grafanaContactPoint({ scalerUrl: "http://127.0.0.1:8090/", webhookToken: "s3cret" }), {
    uid: GRAFANA_UIDS.contactPoint,
    name: GRAFANA_NAMES.contactPoint,
    type: "webhook",
    settings: {
      url: "http://127.0.0.1:8090/webhook",
      httpMethod: "POST",
      authorization_scheme: "Bearer",
      authorization_credentials: "s3cret",
    },
    disableResolveMessage: false,
  });
  const open = grafanaContactPoint({ scalerUrl: "http://127.0.0.1:8090" });
  t.deepEqual(open.settings, { url: "http://127.0.0.1:8090/webhook", httpMethod: "POST" });
  t.false(open.disableResolveMessage);
});

test("our route matches both scale labels, repeats every minute, and stops there", (t) => {
  t.deepEqual(grafanaRoute(spec), {
    receiver: GRAFANA_NAMES.contactPoint,
    object_matchers: [["scale", "=~", "up|down"]],
    group_by: ["alertname", "scale"],
    group_wait: "5s",
    group_interval: "1m",
    repeat_interval: "1m",
    continue: false,
  });
});

const userRoute: GrafanaRoute = { receiver: "team-email", object_matchers: [["team", "=", "web"]], group_wait: "30s" };
const defaultTree: GrafanaRoute = { receiver: "grafana-default-email", group_by: ["grafana_folder", "alertname"], provenance: "" };

test("mergeRoute adds our route first to a tree without it and keeps everything else", (t) => {
  const ours = grafanaRoute(spec);
  t.deepEqual(mergeRoute(defaultTree, ours), { ...defaultTree, routes: [ours] });
  const tree: GrafanaRoute = { ...defaultTree, routes: [userRoute] };
  t.deepEqual(mergeRoute(tree, ours), { ...defaultTree, routes: [ours, userRoute] });
  t.deepEqual(tree.routes, [userRoute], "the input is not modified");
});

test("mergeRoute replaces our route where it stands, keeps the user's routes and their order, and is idempotent", (t) => {
  const ours = grafanaRoute(spec);
  const stale: GrafanaRoute = { ...ours, repeat_interval: "4h", group_interval: "5m" };
  const other: GrafanaRoute = { receiver: "pager", object_matchers: [["severity", "=", "critical"]], continue: true };
  const tree: GrafanaRoute = { ...defaultTree, routes: [userRoute, stale, other] };
  const merged = mergeRoute(tree, ours);
  t.deepEqual(merged.routes, [userRoute, ours, other]);
  t.deepEqual(mergeRoute(merged, ours), merged);
  t.deepEqual(mergeRoute(mergeRoute(defaultTree, ours), ours), mergeRoute(defaultTree, ours));
});

test("mergeRoute drops extra copies of our route", (t) => {
  const ours = grafanaRoute(spec);
  const tree: GrafanaRoute = { ...defaultTree, routes: [ours, userRoute, { ...ours }] };
  t.deepEqual(mergeRoute(tree, ours).routes, [ours, userRoute]);
});

test("the dashboard shows the pool's CPU, each member's, pool size and desired size, decisions by reason and SD targets", (t) => {
  const dashboard = grafanaDashboard(spec);
  t.is(dashboard.uid, GRAFANA_UIDS.dashboard);
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((target) => target.expr));
  t.is(exprs[0], spec.cpuQuery);
  t.true(exprs.some((e) => /sum by \(instance\).*job="pool",mode!="idle"/.test(e)));
  for (const metric of ["scaler_pool_size", "scaler_pool_desired_size", "sd_agent_targets"]) t.true(exprs.includes(metric), metric);
  t.true(exprs.includes("sum by (reason) (increase(scaler_decisions_total[5m]))"));
  for (const panel of dashboard.panels) {
    t.is(panel.datasource.uid, GRAFANA_UIDS.datasource);
    for (const target of panel.targets) t.is(target.datasource.uid, GRAFANA_UIDS.datasource);
  }
  t.deepEqual(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, "panel ids are unique");
  const steps = (dashboard.panels[0]!.fieldConfig.defaults["thresholds"] as { steps: Array<{ value: number | null }> }).steps;
  t.deepEqual(
    steps.map((s) => s.value),
    [null, 20, 80],
  );
  t.like(grafanaDashboardSave(dashboard), { folderUid: GRAFANA_UIDS.folder, overwrite: true });
});
