/**
 * The fake Grafana's checks on what clients write, taken from Grafana's HTTP API spec (required fields,
 * enums, uid rules) and from how its alerting evaluates rules (refIds, expression inputs, the 10 s
 * scheduler). Pure: each returns the problems found, empty when the body is acceptable.
 */
import { isRecord } from "../../lib/shared/json.js";

/** Grafana's uid rule for data sources, folders, dashboards, rules and contact points. */
const UID = /^[a-zA-Z0-9\-_]+$/;
export const MAX_UID_LENGTH = 40;

export function uidProblem(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length < 1 || value.length > MAX_UID_LENGTH || !UID.test(value)) {
    return `${what} uid must be 1 to ${MAX_UID_LENGTH} characters of letters, digits, - and _`;
  }
  return undefined;
}

/** Prometheus-style durations as Grafana parses them ("1m", "1m30s", "0s", "500ms"); undefined if malformed. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  if (text === "0") return 0;
  const match = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (match === null || text === "") return undefined;
  const [, y, w, d, h, m, s, ms] = match.map((part) => (part === undefined ? 0 : Number(part)));
  return ((((y! * 365 + w! * 7 + d!) * 24 + h!) * 60 + m!) * 60 + s!) * 1000 + ms!;
}

const NO_DATA_STATES = ["Alerting", "NoData", "OK", "KeepLast"];
const EXEC_ERR_STATES = ["Alerting", "Error", "OK", "KeepLast"];
const REQUIRED_RULE_FIELDS = ["orgID", "folderUID", "ruleGroup", "title", "condition", "data", "noDataState", "execErrState", "for"];
const EXPRESSION_TYPES = ["math", "reduce", "resample", "classic_conditions", "threshold", "sql"];
const REDUCERS = ["last", "mean", "min", "max", "sum", "count", "median"];
const EVALUATORS = ["gt", "lt", "within_range", "outside_range", "within_range_included", "outside_range_included"];
export const EXPRESSION_UID = "__expr__";
export const SCHEDULER_INTERVAL_SECONDS = 10;

export interface RuleGroupContext {
  folderUid: string;
  group: string;
  /** Data source uids that exist. */
  datasourceUids: ReadonlySet<string>;
}

function text(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function expressionProblems(query: Record<string, unknown>, refIds: ReadonlySet<string>, where: string): string[] {
  const model = query["model"];
  if (!isRecord(model)) return [`${where}: an expression needs a model`];
  const type = model["type"];
  if (typeof type !== "string" || !EXPRESSION_TYPES.includes(type)) {
    return [`${where}: expression type must be one of ${EXPRESSION_TYPES.join(", ")}, got ${JSON.stringify(type)}`];
  }
  const problems: string[] = [];
  if (type === "reduce" || type === "threshold" || type === "resample") {
    const input = model["expression"];
    if (typeof input !== "string" || !refIds.has(input) || input === query["refId"]) {
      problems.push(`${where}: ${type} expression input ${JSON.stringify(input)} is not another query's refId`);
    }
  }
  if (type === "reduce" && (typeof model["reducer"] !== "string" || !REDUCERS.includes(model["reducer"]))) {
    problems.push(`${where}: reducer must be one of ${REDUCERS.join(", ")}, got ${JSON.stringify(model["reducer"])}`);
  }
  if (type === "threshold") {
    const conditions = model["conditions"];
    const evaluator = Array.isArray(conditions) && isRecord(conditions[0]) ? conditions[0]["evaluator"] : undefined;
    const params = isRecord(evaluator) ? evaluator["params"] : undefined;
    if (
      !isRecord(evaluator) ||
      typeof evaluator["type"] !== "string" ||
      !EVALUATORS.includes(evaluator["type"]) ||
      !Array.isArray(params) ||
      params.length === 0 ||
      !params.every((p) => typeof p === "number" && Number.isFinite(p))
    ) {
      problems.push(`${where}: a threshold needs conditions[0].evaluator {type: ${EVALUATORS.join("|")}, params: [numbers]}`);
    }
  }
  return problems;
}

function queryProblems(data: unknown[], datasourceUids: ReadonlySet<string>, where: string): { problems: string[]; refIds: Set<string> } {
  const problems: string[] = [];
  const refIds = new Set<string>();
  for (const [index, query] of data.entries()) {
    const refId = isRecord(query) ? query["refId"] : undefined;
    if (!text(refId)) problems.push(`${where}: data[${index}] needs a refId`);
    else if (refIds.has(refId)) problems.push(`${where}: refId ${refId} is used twice`);
    else refIds.add(refId);
  }
  for (const [index, query] of data.entries()) {
    if (!isRecord(query)) continue;
    const at = `${where}: data[${index}]`;
    const uid = query["datasourceUid"];
    const range = query["relativeTimeRange"];
    if (!text(uid)) {
      problems.push(`${at} needs a datasourceUid`);
    } else if (uid === EXPRESSION_UID) {
      problems.push(...expressionProblems(query, refIds, at));
    } else {
      if (!datasourceUids.has(uid)) problems.push(`${at}: data source ${uid} not found`);
      if (!isRecord(range) || typeof range["from"] !== "number" || typeof range["to"] !== "number" || range["from"] <= range["to"]) {
        problems.push(`${at}: a query needs relativeTimeRange {from, to} in seconds with from > to`);
      }
    }
  }
  return { problems, refIds };
}

function ruleProblems(rule: unknown, index: number, context: RuleGroupContext): string[] {
  const where = `rules[${index}]`;
  if (!isRecord(rule)) return [`${where} must be an object`];
  const missing = REQUIRED_RULE_FIELDS.filter((field) => rule[field] === undefined || rule[field] === null);
  if (missing.length > 0) return [`${where} is missing required field(s): ${missing.join(", ")}`];
  const problems: string[] = [];
  const uid = uidProblem(rule["uid"], `${where}:`);
  if (uid !== undefined) problems.push(uid);
  if (rule["orgID"] !== 1) problems.push(`${where}: orgID must be 1, the organisation of this user`);
  for (const field of ["title", "ruleGroup"]) {
    const value = rule[field];
    if (typeof value !== "string" || value.length < 1 || value.length > 190)
      problems.push(`${where}: ${field} must be 1 to 190 characters`);
  }
  if (rule["folderUID"] !== context.folderUid) problems.push(`${where}: folderUID must be the folder of the group (${context.folderUid})`);
  if (rule["ruleGroup"] !== context.group) problems.push(`${where}: ruleGroup must be the group's name (${context.group})`);
  if (typeof rule["noDataState"] !== "string" || !NO_DATA_STATES.includes(rule["noDataState"])) {
    problems.push(`${where}: noDataState must be one of ${NO_DATA_STATES.join(", ")}, got ${JSON.stringify(rule["noDataState"])}`);
  }
  if (typeof rule["execErrState"] !== "string" || !EXEC_ERR_STATES.includes(rule["execErrState"])) {
    problems.push(`${where}: execErrState must be one of ${EXEC_ERR_STATES.join(", ")}, got ${JSON.stringify(rule["execErrState"])}`);
  }
  if (parseDuration(rule["for"]) === undefined)
    problems.push(`${where}: for must be a duration such as "1m", got ${JSON.stringify(rule["for"])}`);
  for (const field of ["labels", "annotations"]) {
    const map = rule[field];
    if (map !== undefined && (!isRecord(map) || !Object.values(map).every((v) => typeof v === "string"))) {
      problems.push(`${where}: ${field} must map names to strings`);
    }
  }
  const data = rule["data"];
  if (!Array.isArray(data) || data.length === 0) return [...problems, `${where}: data must list at least one query`];
  const queries = queryProblems(data, context.datasourceUids, where);
  problems.push(...queries.problems);
  if (typeof rule["condition"] !== "string" || !queries.refIds.has(rule["condition"])) {
    problems.push(`${where}: condition ${JSON.stringify(rule["condition"])} is not the refId of one of its queries`);
  }
  return problems;
}

/** The body of PUT /api/v1/provisioning/folder/{folderUid}/rule-groups/{group}. */
export function ruleGroupProblems(body: unknown, context: RuleGroupContext): string[] {
  if (!isRecord(body)) return ["the rule group must be a JSON object"];
  const problems: string[] = [];
  const title = body["title"];
  if (title !== undefined && title !== context.group) problems.push(`title must be the group's name (${context.group})`);
  if (body["folderUid"] !== undefined && body["folderUid"] !== context.folderUid) {
    problems.push(`folderUid must be the folder in the path (${context.folderUid})`);
  }
  const interval = body["interval"];
  if (typeof interval !== "number" || !Number.isInteger(interval) || interval <= 0 || interval % SCHEDULER_INTERVAL_SECONDS !== 0) {
    problems.push(`interval must be a positive multiple of ${SCHEDULER_INTERVAL_SECONDS} seconds, got ${JSON.stringify(interval)}`);
  }
  const rules = body["rules"];
  if (!Array.isArray(rules)) return [...problems, "rules must be a list"];
  rules.forEach((rule, index) => problems.push(...ruleProblems(rule, index, context)));
  const uids = rules.map((rule) => (isRecord(rule) ? rule["uid"] : undefined)).filter((uid) => typeof uid === "string");
  if (new Set(uids).size !== uids.length) problems.push("two rules share one uid");
  const titles = rules.map((rule) => (isRecord(rule) ? rule["title"] : undefined));
  if (new Set(titles).size !== titles.length) problems.push("two rules in one group share a title");
  return problems;
}

export const CONTACT_POINT_TYPES = [
  "alertmanager",
  "dingding",
  "discord",
  "email",
  "googlechat",
  "kafka",
  "line",
  "opsgenie",
  "pagerduty",
  "pushover",
  "sensugo",
  "slack",
  "teams",
  "telegram",
  "threema",
  "victorops",
  "webhook",
  "wecom",
] as const;

function httpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function webhookProblems(settings: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!httpUrl(settings["url"])) problems.push("webhook settings.url must be an http(s) URL");
  const method = settings["httpMethod"];
  if (method !== undefined && method !== "" && method !== "POST" && method !== "PUT")
    problems.push("webhook httpMethod must be POST or PUT");
  const basic = text(settings["username"]) || text(settings["password"]);
  if (basic && text(settings["authorization_credentials"])) {
    problems.push("webhook: use either basic auth or the authorization header, not both");
  }
  const scheme = settings["authorization_scheme"];
  if (scheme !== undefined && (typeof scheme !== "string" || /\s/.test(scheme)))
    problems.push("webhook authorization_scheme must be one word");
  return problems;
}

/** POST /api/v1/provisioning/contact-points and PUT …/{uid}. */
export function contactPointProblems(body: unknown): string[] {
  if (!isRecord(body)) return ["the contact point must be a JSON object"];
  const problems: string[] = [];
  const uid = uidProblem(body["uid"], "the contact point");
  if (uid !== undefined) problems.push(uid);
  if (!text(body["name"])) problems.push("the contact point needs a name");
  const type = body["type"];
  if (typeof type !== "string" || !(CONTACT_POINT_TYPES as readonly string[]).includes(type)) {
    problems.push(`type must be one of ${CONTACT_POINT_TYPES.join(", ")}, got ${JSON.stringify(type)}`);
  }
  const settings = body["settings"];
  if (!isRecord(settings)) return [...problems, "settings must be an object"];
  if (type === "webhook") problems.push(...webhookProblems(settings));
  if (type === "email" && !text(settings["addresses"])) problems.push("email settings.addresses is required");
  const disable = body["disableResolveMessage"];
  if (disable !== undefined && typeof disable !== "boolean") problems.push("disableResolveMessage must be true or false");
  return problems;
}

const MATCH_OPERATORS = ["=", "!=", "=~", "!~"];

function routeProblems(route: unknown, receivers: ReadonlySet<string>, path: string, root: boolean): string[] {
  if (!isRecord(route)) return [`${path} must be an object`];
  const problems: string[] = [];
  const receiver = route["receiver"];
  if (root && !text(receiver)) problems.push("the root policy needs a receiver");
  if (receiver !== undefined && receiver !== "" && (typeof receiver !== "string" || !receivers.has(receiver))) {
    problems.push(`${path}: receiver ${JSON.stringify(receiver)} does not exist`);
  }
  const matchers = route["object_matchers"];
  if (matchers !== undefined) {
    if (root && Array.isArray(matchers) && matchers.length > 0) problems.push("the root policy must not have matchers");
    const valid =
      Array.isArray(matchers) &&
      matchers.every(
        (m) =>
          Array.isArray(m) && m.length === 3 && m.every((part) => typeof part === "string") && MATCH_OPERATORS.includes(m[1] as string),
      );
    if (!valid) problems.push(`${path}: object_matchers must be [label, one of ${MATCH_OPERATORS.join(" ")}, value] triples`);
  }
  if (root && route["continue"] === true) problems.push("the root policy cannot continue");
  for (const field of ["group_wait", "group_interval", "repeat_interval"]) {
    if (route[field] !== undefined && parseDuration(route[field]) === undefined) problems.push(`${path}: ${field} is not a duration`);
  }
  const groupBy = route["group_by"];
  if (groupBy !== undefined && !(Array.isArray(groupBy) && groupBy.every((label) => typeof label === "string"))) {
    problems.push(`${path}: group_by must list label names`);
  }
  for (const field of ["mute_time_intervals", "active_time_intervals"]) {
    const names = route[field];
    if (Array.isArray(names) && names.length > 0) problems.push(`${path}: time interval ${JSON.stringify(names[0])} does not exist`);
  }
  const children = route["routes"];
  if (children !== undefined && children !== null) {
    if (!Array.isArray(children)) problems.push(`${path}: routes must be a list`);
    else children.forEach((child, index) => problems.push(...routeProblems(child, receivers, `${path}.routes[${index}]`, false)));
  }
  return problems;
}

/** PUT /api/v1/provisioning/policies: every receiver named must be an existing contact point. */
export function policyTreeProblems(body: unknown, receivers: ReadonlySet<string>): string[] {
  return routeProblems(body, receivers, "root", true);
}
