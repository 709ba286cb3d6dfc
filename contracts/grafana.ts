/**
 * Every Grafana object the provisioner writes, rendered from the one alert spec (alertRules.ts): the
 * Prometheus data source, our folder, the dashboard, the alert rule group, the webhook contact point that
 * calls the scaler, and our notification route with the merge that puts it into a user's policy tree.
 * Pure: no I/O, so the provisioner, the fake Grafana's tests and the end-to-end test read the same shapes.
 *
 * Every object has a fixed uid: a second run finds what the first one made and updates it in place
 * instead of adding a copy.
 */
import { POOL_JOB, SCALE_LABEL, type ScaleDirection, type ScalingAlertSpec, type ScalingRule } from "./alertRules.js";

/** Fixed identities of our objects (uids are at most 40 characters of [A-Za-z0-9_-], as Grafana requires). */
export const GRAFANA_UIDS = {
  datasource: "exoscale-autoscaler-prometheus",
  folder: "exoscale-autoscaler",
  dashboard: "exoscale-autoscaler",
  contactPoint: "exoscale-autoscaler-webhook",
} as const;

/** Display names. The contact point's name is also how our route finds its receiver and how mergeRoute recognises our route. */
export const GRAFANA_NAMES = {
  datasource: "exoscale-autoscaler Prometheus",
  folder: "Exoscale autoscaler",
  dashboard: "Exoscale autoscaler",
  contactPoint: "exoscale-autoscaler scaler",
} as const;

/** The uid of one scaling rule: by direction, so renaming a rule never orphans the old one. */
export function ruleUid(direction: ScaleDirection): string {
  return `exoscale-autoscaler-scale-${direction}`;
}

/** Server-side expressions (reduce, threshold) name this pseudo data source. */
export const EXPRESSION_DATASOURCE_UID = "__expr__";
/** The Prometheus query step of each rule. */
export const QUERY_REF = "A";
/** The threshold step each rule fires on. */
export const CONDITION_REF = "C";
/** The reduce step whose value the webhook carries in `values`; the scaler reads it (its CPU_VALUE_REF). */
export const DEFAULT_CPU_VALUE_REF = "B";
/** The organisation Grafana's admin user starts in. */
export const GRAFANA_ORG_ID = 1;
/** How far back each rule queries, in seconds: ten minutes covers any rate window we use. */
export const QUERY_RANGE_SECONDS = 600;
/** Grafana's scheduler evaluates rule groups on multiples of this interval. */
export const GRAFANA_BASE_INTERVAL_SECONDS = 10;

/**
 * Seconds as Grafana prints durations back (Prometheus style: 60 → "1m", 90 → "1m30s", 0 → "0s"), so a
 * rule read back compares equal to the one we rendered and an unchanged rule is not rewritten.
 */
export function grafanaDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`a duration must be whole seconds ≥ 0, got ${seconds}`);
  if (seconds === 0) return "0s";
  const units: Array<[string, number]> = [
    ["y", 365 * 86400],
    ["w", 7 * 86400],
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  let rest = seconds;
  let text = "";
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------
// Data source and folder

export interface GrafanaDatasource {
  uid: string;
  name: string;
  type: "prometheus";
  url: string;
  /** `proxy`: Grafana's server queries Prometheus, so Prometheus can stay on loopback. */
  access: "proxy";
  isDefault: boolean;
  jsonData: { httpMethod: "POST"; timeInterval: string };
}

/** Prometheus as Grafana's data source; `scrapeIntervalSeconds` (default 15, the deployed scrape interval) sets the smallest step. */
export function grafanaDatasource(prometheusUrl: string, scrapeIntervalSeconds = 15): GrafanaDatasource {
  return {
    uid: GRAFANA_UIDS.datasource,
    name: GRAFANA_NAMES.datasource,
    type: "prometheus",
    url: prometheusUrl.replace(/\/+$/, ""),
    access: "proxy",
    // Never take the default from a data source the user chose; our dashboard and rules name ours by uid.
    isDefault: false,
    jsonData: { httpMethod: "POST", timeInterval: `${scrapeIntervalSeconds}s` },
  };
}

export interface GrafanaFolder {
  uid: string;
  title: string;
}

export function grafanaFolder(): GrafanaFolder {
  return { uid: GRAFANA_UIDS.folder, title: GRAFANA_NAMES.folder };
}

// ---------------------------------------------------------------------------------------------------
// Alert rule group

export interface RelativeTimeRange {
  from: number;
  to: number;
}

/** One step of a rule (AlertQuery): a data source query or a server-side expression. */
export interface AlertQuery {
  refId: string;
  queryType: string;
  relativeTimeRange: RelativeTimeRange;
  datasourceUid: string;
  model: Record<string, unknown>;
}

/** The states a rule takes on no data and on an evaluation error. */
export type NoDataState = "Alerting" | "NoData" | "OK" | "KeepLast";
export type ExecErrState = "Alerting" | "Error" | "OK" | "KeepLast";

/** The provisioning API's ProvisionedAlertRule, as we send it. */
export interface ProvisionedAlertRule {
  uid: string;
  orgID: number;
  folderUID: string;
  ruleGroup: string;
  title: string;
  condition: string;
  data: AlertQuery[];
  noDataState: NoDataState;
  execErrState: ExecErrState;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  isPaused: boolean;
}

/** The PUT body of /api/v1/provisioning/folder/{folderUid}/rule-groups/{group}. */
export interface GrafanaRuleGroup {
  title: string;
  folderUid: string;
  /** Seconds. */
  interval: number;
  rules: ProvisionedAlertRule[];
}

export interface RuleGroupOptions {
  folderUid?: string;
  datasourceUid?: string;
  /** The reduce step's refId, which must be the scaler's CPU_VALUE_REF (default B). */
  cpuValueRef?: string;
}

const REF_ID = /^[A-Za-z][A-Za-z0-9_]{0,29}$/;

/** What is wrong with a reduce refId, or undefined: the scaler looks the CPU value up by it. */
export function cpuValueRefProblem(ref: string): string | undefined {
  if (!REF_ID.test(ref)) return `must be a letter followed by up to 29 letters, digits or _, got "${ref}"`;
  if (ref === QUERY_REF || ref === CONDITION_REF) {
    return `must not be ${QUERY_REF} or ${CONDITION_REF} (the rule's query and threshold steps), got "${ref}"`;
  }
  return undefined;
}

/** What is wrong with an evaluation interval, or undefined. */
export function evaluationIntervalProblem(seconds: number): string | undefined {
  if (!Number.isInteger(seconds) || seconds < GRAFANA_BASE_INTERVAL_SECONDS || seconds > 60) {
    return `must be whole seconds from ${GRAFANA_BASE_INTERVAL_SECONDS} to 60 (scaling needs at least one evaluation a minute), got ${seconds}`;
  }
  if (seconds % GRAFANA_BASE_INTERVAL_SECONDS !== 0) {
    return `must be a multiple of ${GRAFANA_BASE_INTERVAL_SECONDS} s (Grafana's scheduler interval), got ${seconds}`;
  }
  return undefined;
}

function queryStep(spec: ScalingAlertSpec, datasourceUid: string): AlertQuery {
  return {
    refId: QUERY_REF,
    queryType: "",
    relativeTimeRange: { from: QUERY_RANGE_SECONDS, to: 0 },
    datasourceUid,
    model: {
      refId: QUERY_REF,
      datasource: { type: "prometheus", uid: datasourceUid },
      expr: spec.cpuQuery,
      // One value per evaluation is all a threshold needs.
      instant: true,
      range: false,
      intervalMs: 1000,
      maxDataPoints: 43200,
    },
  };
}

function expressionStep(refId: string, model: Record<string, unknown>): AlertQuery {
  return {
    refId,
    queryType: "",
    relativeTimeRange: { from: 0, to: 0 },
    datasourceUid: EXPRESSION_DATASOURCE_UID,
    model: { refId, datasource: { type: EXPRESSION_DATASOURCE_UID, uid: EXPRESSION_DATASOURCE_UID }, ...model },
  };
}

function alertRule(
  spec: ScalingAlertSpec,
  rule: ScalingRule,
  folderUid: string,
  datasourceUid: string,
  cpuValueRef: string,
): ProvisionedAlertRule {
  return {
    uid: ruleUid(rule.direction),
    orgID: GRAFANA_ORG_ID,
    folderUID: folderUid,
    ruleGroup: spec.group,
    title: rule.name,
    condition: CONDITION_REF,
    data: [
      queryStep(spec, datasourceUid),
      // "last" of the query: the number the scaler receives as values[cpuValueRef].
      expressionStep(cpuValueRef, { type: "reduce", expression: QUERY_REF, reducer: "last" }),
      expressionStep(CONDITION_REF, {
        type: "threshold",
        expression: cpuValueRef,
        conditions: [{ evaluator: { type: rule.comparison === ">" ? "gt" : "lt", params: [rule.thresholdPercent] } }],
      }),
    ],
    // An empty pool, a Prometheus outage or a broken query must never read as "scale": the scaler only
    // acts on a real measurement above or below the threshold.
    noDataState: "OK",
    execErrState: "OK",
    for: grafanaDuration(rule.pendingSeconds),
    labels: { ...rule.labels },
    annotations: { summary: rule.summary },
    isPaused: false,
  };
}

export function grafanaRuleGroup(spec: ScalingAlertSpec, options: RuleGroupOptions = {}): GrafanaRuleGroup {
  const folderUid = options.folderUid ?? GRAFANA_UIDS.folder;
  const datasourceUid = options.datasourceUid ?? GRAFANA_UIDS.datasource;
  const cpuValueRef = options.cpuValueRef ?? DEFAULT_CPU_VALUE_REF;
  const refProblem = cpuValueRefProblem(cpuValueRef);
  if (refProblem !== undefined) throw new RangeError(`the reduce refId ${refProblem}`);
  const intervalProblem = evaluationIntervalProblem(spec.evaluationSeconds);
  if (intervalProblem !== undefined) throw new RangeError(`the evaluation interval ${intervalProblem}`);
  return {
    title: spec.group,
    folderUid,
    interval: spec.evaluationSeconds,
    rules: spec.rules.map((rule) => alertRule(spec, rule, folderUid, datasourceUid, cpuValueRef)),
  };
}

// ---------------------------------------------------------------------------------------------------
// Contact point

export interface WebhookSettings {
  url: string;
  httpMethod: "POST";
  authorization_scheme?: "Bearer";
  authorization_credentials?: string;
}

/** The provisioning API's EmbeddedContactPoint for our webhook. */
export interface GrafanaContactPoint {
  uid: string;
  name: string;
  type: "webhook";
  settings: WebhookSettings;
  disableResolveMessage: boolean;
}

export interface ContactPointOptions {
  /** The scaler's base URL, e.g. http://127.0.0.1:8090. */
  scalerUrl: string;
  /** The scaler's WEBHOOK_TOKEN: sent as `Authorization: Bearer <token>`. */
  webhookToken?: string;
}

/** Settings that Grafana stores encrypted and shows back redacted: a read-back cannot confirm them. */
export const SECURE_WEBHOOK_SETTINGS = ["authorization_credentials", "password"] as const;

export function grafanaContactPoint(options: ContactPointOptions): GrafanaContactPoint {
  const token = options.webhookToken;
  return {
    uid: GRAFANA_UIDS.contactPoint,
    name: GRAFANA_NAMES.contactPoint,
    type: "webhook",
    settings: {
      url: `${options.scalerUrl.replace(/\/+$/, "")}/webhook`,
      httpMethod: "POST",
      ...(token !== undefined ? { authorization_scheme: "Bearer" as const, authorization_credentials: token } : {}),
    },
    // Resolved notifications stay on: the scaler withdraws an alert's signal when it hears that the alert
    // resolved, so without them a pool could keep growing until the signal's TTL ran out.
    disableResolveMessage: false,
  };
}

// ---------------------------------------------------------------------------------------------------
// Notification route and policy tree

/** A label matcher as the provisioning API writes it: [label, operator, value]. */
export type ObjectMatcher = [string, "=" | "!=" | "=~" | "!~", string];

/** A node of the notification policy tree. Fields we do not know are carried through untouched. */
export interface GrafanaRoute {
  receiver?: string;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  object_matchers?: ObjectMatcher[];
  continue?: boolean;
  routes?: GrafanaRoute[];
  [field: string]: unknown;
}

export interface RouteTiming {
  /** Default 5 s: the first notification goes out almost as soon as the alert fires. */
  groupWaitSeconds?: number;
  /** Default 60 s, for group_interval and repeat_interval alike. */
  repeatSeconds?: number;
}

/**
 * Our child policy: alerts with a scale label of one of the spec's directions go to our contact point.
 * Grafana's defaults (30 s, 5 min, 4 h) would repeat a firing alert every four hours; the scaler wants
 * to hear it about once a minute while it lasts, and repeat_interval must be a multiple of group_interval.
 */
export function grafanaRoute(spec: ScalingAlertSpec, timing: RouteTiming = {}): GrafanaRoute {
  const values = [...new Set(spec.rules.map((rule) => rule.labels[SCALE_LABEL] ?? rule.direction))];
  const repeat = grafanaDuration(timing.repeatSeconds ?? 60);
  return {
    receiver: GRAFANA_NAMES.contactPoint,
    object_matchers: [[SCALE_LABEL, "=~", values.join("|")]],
    group_by: ["alertname", SCALE_LABEL],
    group_wait: grafanaDuration(timing.groupWaitSeconds ?? 5),
    group_interval: repeat,
    repeat_interval: repeat,
    continue: false,
  };
}

/** Our route is the child whose receiver is our contact point: nothing of the user's sends to it. */
export function isOurRoute(route: GrafanaRoute, ours: GrafanaRoute): boolean {
  return route.receiver !== undefined && route.receiver === ours.receiver;
}

/**
 * The policy tree with our route in it, every other route untouched. A route of ours already among the
 * root's children is replaced where it stands (the user may have moved it); otherwise ours goes first,
 * so a catch-all route of the user's cannot swallow the scaling alerts (ours only matches those). Extra
 * copies of ours are dropped. Idempotent: merging the result again gives the same tree.
 */
export function mergeRoute(tree: GrafanaRoute, ours: GrafanaRoute): GrafanaRoute {
  const children = tree.routes ?? [];
  const at = children.findIndex((route) => isOurRoute(route, ours));
  const others = children.filter((route) => !isOurRoute(route, ours));
  const routes = at === -1 ? [ours, ...others] : [...others.slice(0, at), ours, ...others.slice(at)];
  return { ...tree, routes };
}

// ---------------------------------------------------------------------------------------------------
// Dashboard

export interface DashboardOptions {
  datasourceUid?: string;
  /** The pool's scrape job and rate window, for the per-member panel (defaults as in alertRules.ts). */
  job?: string;
  rateWindowSeconds?: number;
}

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: { type: "prometheus"; uid: string };
}

export interface DashboardPanel {
  id: number;
  type: "timeseries";
  title: string;
  description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: "prometheus"; uid: string };
  targets: DashboardTarget[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  tags: string[];
  timezone: string;
  editable: boolean;
  schemaVersion: number;
  refresh: string;
  time: { from: string; to: string };
  panels: DashboardPanel[];
}

/** The body of POST /api/dashboards/db. */
export interface DashboardSave {
  dashboard: GrafanaDashboard;
  folderUid: string;
  overwrite: boolean;
  message: string;
}

/** Each member's busy share of its CPU time, in percent: the series the pool's average is taken over. */
export function memberCpuQuery(job: string = POOL_JOB, rateWindowSeconds = 60): string {
  const window = `${rateWindowSeconds}s`;
  return (
    `100 * sum by (instance) (rate(node_cpu_seconds_total{job="${job}",mode!="idle"}[${window}]))` +
    ` / sum by (instance) (rate(node_cpu_seconds_total{job="${job}"}[${window}]))`
  );
}

function thresholdOf(spec: ScalingAlertSpec, direction: ScaleDirection): number | undefined {
  return spec.rules.find((rule) => rule.direction === direction)?.thresholdPercent;
}

export function grafanaDashboard(spec: ScalingAlertSpec, options: DashboardOptions = {}): GrafanaDashboard {
  const datasource = { type: "prometheus" as const, uid: options.datasourceUid ?? GRAFANA_UIDS.datasource };
  const target = (refId: string, expr: string, legendFormat: string): DashboardTarget => ({ refId, expr, legendFormat, datasource });
  const up = thresholdOf(spec, "up");
  const down = thresholdOf(spec, "down");
  const steps: Array<{ color: string; value: number | null }> = [{ color: "blue", value: null }];
  if (down !== undefined) steps.push({ color: "green", value: down });
  if (up !== undefined) steps.push({ color: "red", value: up });
  const percent = { unit: "percent", min: 0, max: 100, thresholds: { mode: "absolute", steps } };
  const panel = (
    id: number,
    title: string,
    description: string,
    gridPos: DashboardPanel["gridPos"],
    targets: DashboardTarget[],
    defaults: Record<string, unknown>,
  ): DashboardPanel => ({
    id,
    type: "timeseries",
    title,
    description,
    gridPos,
    datasource,
    targets,
    fieldConfig: { defaults, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "none" } },
  });
  return {
    uid: GRAFANA_UIDS.dashboard,
    title: GRAFANA_NAMES.dashboard,
    tags: ["exoscale-autoscaler"],
    timezone: "browser",
    editable: true,
    schemaVersion: 39,
    refresh: "30s",
    time: { from: "now-1h", to: "now" },
    panels: [
      panel(
        1,
        "Average pool CPU",
        "The query the scaling alerts evaluate; the lines are the scale-down and scale-up thresholds.",
        { x: 0, y: 0, w: 12, h: 8 },
        [target("A", spec.cpuQuery, "average")],
        { ...percent, custom: { thresholdsStyle: { mode: "line" } } },
      ),
      panel(
        2,
        "CPU per member",
        "Each pool member's busy share of its CPU time.",
        { x: 12, y: 0, w: 12, h: 8 },
        [target("A", memberCpuQuery(options.job, options.rateWindowSeconds), "{{instance}}")],
        percent,
      ),
      panel(
        3,
        "Pool size",
        "The pool's size as the scaler last read it, and the size its last decision asked for.",
        { x: 0, y: 8, w: 8, h: 8 },
        [target("A", "scaler_pool_size", "size"), target("B", "scaler_pool_desired_size", "desired")],
        { unit: "short", min: 0, decimals: 0 },
      ),
      panel(
        4,
        "Scaler decisions (5 min)",
        "What the scaler decided, by reason, over the last five minutes.",
        { x: 8, y: 8, w: 8, h: 8 },
        [target("A", "sum by (reason) (increase(scaler_decisions_total[5m]))", "{{reason}}")],
        { unit: "short", min: 0 },
      ),
      panel(
        5,
        "Scrape targets from the SD agent",
        "Pool members the SD agent wrote for Prometheus to scrape.",
        { x: 16, y: 8, w: 8, h: 8 },
        [target("A", "sd_agent_targets", "targets")],
        { unit: "short", min: 0, decimals: 0 },
      ),
    ],
  };
}

export function grafanaDashboardSave(dashboard: GrafanaDashboard, folderUid: string = GRAFANA_UIDS.folder): DashboardSave {
  return { dashboard, folderUid, overwrite: true, message: "exoscale-autoscaler provisioner" };
}
