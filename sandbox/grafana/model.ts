/**
 * The fake Grafana's state and what each endpoint does to it, without HTTP: data sources, folders,
 * dashboards (with versions), alert rule groups, contact points and the notification policy tree. Each
 * method returns the status and JSON body Grafana answers with; errors carry Grafana's `{message}` shape.
 *
 * Provisioning writes (rule groups, contact points, policies) record provenance as Grafana does: "api"
 * (locked in the UI) unless the request carried `X-Disable-Provenance: true`. Every write, of any object,
 * is also listed in `writes` with whether that header was sent, so tests can check the client sent it.
 */
import { randomBytes } from "node:crypto";
import { isRecord } from "../../lib/shared/json.js";
import { contactPointProblems, policyTreeProblems, ruleGroupProblems, uidProblem } from "./validate.js";

export interface Reply {
  status: number;
  body: unknown;
}

export interface WriteMeta {
  /** The request carried `X-Disable-Provenance: true`. */
  disableProvenance: boolean;
}

export type ObjectKind = "datasource" | "folder" | "dashboard" | "rule-group" | "contact-point" | "policies";

export interface WriteRecord {
  kind: ObjectKind;
  /** uid, `folderUid/group` for rule groups, `tree` for the policy tree. */
  key: string;
  disableProvenance: boolean;
}

export type Json = Record<string, unknown>;

export interface DashboardRecord {
  id: number;
  uid: string;
  version: number;
  folderUid: string;
  dashboard: Json;
}

export interface RuleGroupRecord {
  folderUid: string;
  title: string;
  interval: number;
  rules: Json[];
}

export type Provenance = "" | "api";

export interface ContactPointRecord {
  uid: string;
  name: string;
  type: string;
  settings: Json;
  disableResolveMessage: boolean;
  provenance: Provenance;
}

/** Settings Grafana keeps encrypted and shows back as "[REDACTED]". */
const SECURE_SETTINGS = ["password", "authorization_credentials", "token", "secret", "url_secret"];
export const REDACTED = "[REDACTED]";

const error = (status: number, message: string, extra: Json = {}): Reply => ({ status, body: { message, ...extra } });
const copy = <T>(value: T): T => structuredClone(value);

function randomUid(): string {
  return randomBytes(7).toString("hex");
}

function slugOf(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "dashboard"
  );
}

export interface ModelOptions {
  /** The build the fake reports in /api/health. */
  version?: string;
}

export class FakeGrafanaModel {
  readonly datasources = new Map<string, Json>();
  readonly folders = new Map<string, Json>();
  readonly dashboards = new Map<string, DashboardRecord>();
  /** Keyed `folderUid/group`. */
  readonly ruleGroups = new Map<string, RuleGroupRecord>();
  readonly contactPoints: ContactPointRecord[] = [];
  policy: Json;
  policyProvenance: Provenance = "";
  readonly writes: WriteRecord[] = [];
  private nextId = 1;
  private readonly version: string;

  constructor(options: ModelOptions = {}) {
    this.version = options.version ?? "12.0.0-fake";
    // What a fresh Grafana has: one email contact point, and a root policy that sends everything to it.
    this.contactPoints.push({
      uid: "default-email",
      name: "grafana-default-email",
      type: "email",
      settings: { addresses: "<example@email.com>" },
      disableResolveMessage: false,
      provenance: "",
    });
    this.policy = { receiver: "grafana-default-email", group_by: ["grafana_folder", "alertname"] };
  }

  private record(kind: ObjectKind, key: string, meta: WriteMeta): void {
    this.writes.push({ kind, key, disableProvenance: meta.disableProvenance });
  }

  /** The write records of one object, oldest first. */
  writesOf(kind: ObjectKind, key: string): WriteRecord[] {
    return this.writes.filter((w) => w.kind === kind && w.key === key);
  }

  health(): Reply {
    return { status: 200, body: { database: "ok", version: this.version, commit: "fake" } };
  }

  // ----- data sources -----------------------------------------------------------------------------

  getDatasource(uid: string): Reply {
    const ds = this.datasources.get(uid);
    return ds ? { status: 200, body: copy(ds) } : error(404, "Data source not found");
  }

  listDatasources(): Reply {
    return { status: 200, body: [...this.datasources.values()].map(copy) };
  }

  private datasourceFields(body: Json): Json {
    const fields: Json = {};
    for (const key of [
      "name",
      "type",
      "url",
      "access",
      "isDefault",
      "jsonData",
      "basicAuth",
      "basicAuthUser",
      "user",
      "database",
      "withCredentials",
    ]) {
      if (body[key] !== undefined) fields[key] = copy(body[key]);
    }
    return fields;
  }

  private datasourceProblem(body: unknown): string | undefined {
    if (!isRecord(body)) return "bad request data";
    if (typeof body["name"] !== "string" || body["name"] === "") return "Data source name is required";
    if (typeof body["type"] !== "string" || body["type"] === "") return "Data source type is required";
    const access = body["access"];
    if (access !== undefined && access !== "proxy" && access !== "direct")
      return `access must be proxy or direct, got ${JSON.stringify(access)}`;
    return uidProblem(body["uid"], "the data source");
  }

  createDatasource(body: unknown, meta: WriteMeta): Reply {
    const problem = this.datasourceProblem(body);
    if (problem !== undefined || !isRecord(body)) return error(400, problem ?? "bad request data");
    const uid = typeof body["uid"] === "string" ? body["uid"] : randomUid();
    if (this.datasources.has(uid)) return error(409, "data source with the same uid already exists");
    if ([...this.datasources.values()].some((ds) => ds["name"] === body["name"]))
      return error(409, "data source with the same name already exists");
    const ds: Json = {
      id: this.nextId++,
      uid,
      orgId: 1,
      access: "proxy",
      url: "",
      isDefault: false,
      jsonData: {},
      readOnly: false,
      ...this.datasourceFields(body),
      version: 1,
    };
    this.datasources.set(uid, ds);
    this.record("datasource", uid, meta);
    return { status: 200, body: { datasource: copy(ds), id: ds["id"], name: ds["name"], message: "Datasource added" } };
  }

  updateDatasource(uid: string, body: unknown, meta: WriteMeta): Reply {
    const current = this.datasources.get(uid);
    if (!current) return error(404, "Data source not found");
    const problem = this.datasourceProblem(body);
    if (problem !== undefined || !isRecord(body)) return error(400, problem ?? "bad request data");
    if (body["uid"] !== undefined && body["uid"] !== uid) return error(400, "the uid in the body differs from the path");
    if ([...this.datasources.values()].some((ds) => ds["uid"] !== uid && ds["name"] === body["name"])) {
      return error(409, "data source with the same name already exists");
    }
    const version = current["version"] as number;
    if (typeof body["version"] === "number" && body["version"] < version) {
      return error(409, "Datasource has already been updated by someone else. Please reload and try again");
    }
    const ds: Json = { ...current, ...this.datasourceFields(body), version: version + 1 };
    this.datasources.set(uid, ds);
    this.record("datasource", uid, meta);
    return { status: 200, body: { datasource: copy(ds), id: ds["id"], name: ds["name"], message: "Datasource updated" } };
  }

  // ----- folders ----------------------------------------------------------------------------------

  listFolders(): Reply {
    return { status: 200, body: [...this.folders.values()].map((f) => ({ id: f["id"], uid: f["uid"], title: f["title"] })) };
  }

  getFolder(uid: string): Reply {
    const folder = this.folders.get(uid);
    return folder ? { status: 200, body: copy(folder) } : error(404, "folder not found");
  }

  private titleTaken(title: unknown, exceptUid?: string): boolean {
    return [...this.folders.values()].some((f) => f["title"] === title && f["uid"] !== exceptUid);
  }

  createFolder(body: unknown, meta: WriteMeta): Reply {
    if (!isRecord(body)) return error(400, "bad request data");
    const title = body["title"];
    if (typeof title !== "string" || title.trim() === "") return error(400, "folder title cannot be empty");
    const problem = uidProblem(body["uid"], "the folder");
    if (problem !== undefined) return error(400, problem);
    const uid = typeof body["uid"] === "string" ? body["uid"] : randomUid();
    if (this.folders.has(uid)) return error(409, "a folder with the same uid already exists");
    if (this.titleTaken(title)) return error(409, "a folder or dashboard in the general folder with the same name already exists");
    const now = new Date().toISOString();
    const folder: Json = {
      id: this.nextId++,
      uid,
      title,
      url: `/dashboards/f/${uid}/${slugOf(title)}`,
      version: 1,
      created: now,
      updated: now,
    };
    this.folders.set(uid, folder);
    this.record("folder", uid, meta);
    return { status: 200, body: copy(folder) };
  }

  updateFolder(uid: string, body: unknown, meta: WriteMeta): Reply {
    const current = this.folders.get(uid);
    if (!current) return error(404, "folder not found");
    if (!isRecord(body)) return error(400, "bad request data");
    const title = body["title"] ?? current["title"];
    if (typeof title !== "string" || title.trim() === "") return error(400, "folder title cannot be empty");
    if (body["overwrite"] !== true && body["version"] !== current["version"]) {
      return error(409, "the folder has been changed by someone else");
    }
    if (this.titleTaken(title, uid)) return error(409, "a folder or dashboard in the general folder with the same name already exists");
    const folder: Json = { ...current, title, version: (current["version"] as number) + 1, updated: new Date().toISOString() };
    this.folders.set(uid, folder);
    this.record("folder", uid, meta);
    return { status: 200, body: copy(folder) };
  }

  // ----- dashboards -------------------------------------------------------------------------------

  getDashboard(uid: string): Reply {
    const record = this.dashboards.get(uid);
    if (!record) return error(404, "Dashboard not found");
    const folder = this.folders.get(record.folderUid);
    const slug = slugOf(String(record.dashboard["title"]));
    return {
      status: 200,
      body: {
        dashboard: { ...copy(record.dashboard), id: record.id, uid, version: record.version },
        meta: {
          slug,
          url: `/d/${uid}/${slug}`,
          version: record.version,
          folderUid: record.folderUid,
          folderTitle: folder ? folder["title"] : "General",
          provisioned: false,
        },
      },
    };
  }

  saveDashboard(body: unknown, meta: WriteMeta): Reply {
    if (!isRecord(body) || !isRecord(body["dashboard"])) return error(400, "bad request data: dashboard is required");
    const dashboard = body["dashboard"];
    const title = dashboard["title"];
    if (typeof title !== "string" || title.trim() === "") return error(400, "Dashboard title cannot be empty");
    const problem = uidProblem(dashboard["uid"], "the dashboard");
    if (problem !== undefined) return error(400, problem);
    if (dashboard["panels"] !== undefined && !Array.isArray(dashboard["panels"])) return error(400, "dashboard panels must be a list");
    const folderUid = body["folderUid"] ?? "";
    if (typeof folderUid !== "string" || (folderUid !== "" && !this.folders.has(folderUid))) return error(400, "folder not found");
    const overwrite = body["overwrite"] === true;
    const uid = typeof dashboard["uid"] === "string" ? dashboard["uid"] : randomUid();
    const existing = this.dashboards.get(uid);
    // Without overwrite, an existing uid is saved only by a client that read its current version.
    if (existing && !overwrite && dashboard["version"] !== existing.version) {
      return error(412, "The dashboard has been changed by someone else", { status: "version-mismatch" });
    }
    const clash = [...this.dashboards.values()].find((d) => d.uid !== uid && d.folderUid === folderUid && d.dashboard["title"] === title);
    if (clash && !overwrite) {
      return error(412, "A dashboard with the same name in the folder already exists", { status: "name-exists" });
    }
    const stored: Json = copy(dashboard);
    delete stored["id"];
    delete stored["version"];
    stored["uid"] = uid;
    const record: DashboardRecord = {
      id: existing?.id ?? this.nextId++,
      uid,
      version: (existing?.version ?? 0) + 1,
      folderUid,
      dashboard: stored,
    };
    this.dashboards.set(uid, record);
    this.record("dashboard", uid, meta);
    const slug = slugOf(title);
    return {
      status: 200,
      body: { id: record.id, uid, url: `/d/${uid}/${slug}`, status: "success", version: record.version, slug, folderUid },
    };
  }

  // ----- alert rule groups ------------------------------------------------------------------------

  getRuleGroup(folderUid: string, group: string): Reply {
    const record = this.ruleGroups.get(`${folderUid}/${group}`);
    if (!record) return error(404, "rule group does not exist");
    return { status: 200, body: copy(record) };
  }

  putRuleGroup(folderUid: string, group: string, body: unknown, meta: WriteMeta): Reply {
    if (!this.folders.has(folderUid)) return error(404, `folder ${folderUid} not found`);
    const problems = ruleGroupProblems(body, { folderUid, group, datasourceUids: new Set(this.datasources.keys()) });
    if (problems.length > 0 || !isRecord(body)) return error(400, `invalid rule group: ${problems.join("; ")}`);
    const key = `${folderUid}/${group}`;
    const elsewhere = new Map<string, string>();
    for (const [otherKey, other] of this.ruleGroups) {
      if (otherKey !== key) for (const rule of other.rules) elsewhere.set(String(rule["uid"]), otherKey);
    }
    const rules = (body["rules"] as Json[]).map((rule) => {
      const stored: Json = copy(rule);
      delete stored["id"];
      delete stored["updated"];
      stored["uid"] = typeof rule["uid"] === "string" ? rule["uid"] : randomUid();
      stored["provenance"] = meta.disableProvenance ? "" : "api";
      stored["updated"] = new Date().toISOString();
      return stored;
    });
    const taken = rules.find((rule) => elsewhere.has(String(rule["uid"])));
    if (taken) return error(409, `rule uid ${String(taken["uid"])} already belongs to rule group ${elsewhere.get(String(taken["uid"]))}`);
    const record: RuleGroupRecord = { folderUid, title: group, interval: body["interval"] as number, rules };
    this.ruleGroups.set(key, record);
    this.record("rule-group", key, meta);
    return { status: 200, body: copy(record) };
  }

  // ----- contact points ---------------------------------------------------------------------------

  private redacted(point: ContactPointRecord): Json {
    const settings: Json = copy(point.settings);
    for (const field of SECURE_SETTINGS) if (typeof settings[field] === "string" && settings[field] !== "") settings[field] = REDACTED;
    return { ...copy(point), settings };
  }

  listContactPoints(name?: string): Reply {
    const points = this.contactPoints.filter((p) => name === undefined || p.name === name);
    return { status: 200, body: points.map((p) => this.redacted(p)) };
  }

  /** Receivers are contact points grouped by name; the policy tree refers to them by name. */
  receiverNames(): Set<string> {
    return new Set(this.contactPoints.map((p) => p.name));
  }

  private contactPointRecord(body: Json, uid: string, meta: WriteMeta): ContactPointRecord {
    return {
      uid,
      name: body["name"] as string,
      type: body["type"] as string,
      settings: copy(body["settings"] as Json),
      disableResolveMessage: body["disableResolveMessage"] === true,
      provenance: meta.disableProvenance ? "" : "api",
    };
  }

  createContactPoint(body: unknown, meta: WriteMeta): Reply {
    const problems = contactPointProblems(body);
    if (problems.length > 0 || !isRecord(body)) return error(400, `invalid contact point: ${problems.join("; ")}`);
    const uid = typeof body["uid"] === "string" ? body["uid"] : randomUid();
    // Two integrations may share a name (they form one receiver in the UI); a uid is unique.
    if (this.contactPoints.some((p) => p.uid === uid)) return error(400, `a contact point with uid ${uid} already exists`);
    const record = this.contactPointRecord(body, uid, meta);
    this.contactPoints.push(record);
    this.record("contact-point", uid, meta);
    return { status: 202, body: this.redacted(record) };
  }

  updateContactPoint(uid: string, body: unknown, meta: WriteMeta): Reply {
    const index = this.contactPoints.findIndex((p) => p.uid === uid);
    if (index === -1) return error(404, `contact point with uid ${uid} not found`);
    const problems = contactPointProblems(body);
    if (problems.length > 0 || !isRecord(body)) return error(400, `invalid contact point: ${problems.join("; ")}`);
    if (body["uid"] !== undefined && body["uid"] !== uid) return error(400, "the uid in the body differs from the path");
    const current = this.contactPoints[index]!;
    if (current.type !== body["type"]) return error(400, "the type of a contact point cannot be changed");
    // A receiver still used by a policy cannot lose its last integration to a rename.
    const renamed = current.name !== body["name"];
    const last = this.contactPoints.filter((p) => p.name === current.name).length === 1;
    if (renamed && last && JSON.stringify(this.policy).includes(JSON.stringify(current.name))) {
      return error(409, `contact point ${current.name} is used by a notification policy`);
    }
    this.contactPoints[index] = this.contactPointRecord(body, uid, meta);
    this.record("contact-point", uid, meta);
    return { status: 202, body: { message: "contactpoint updated" } };
  }

  // ----- notification policies -------------------------------------------------------------------

  getPolicies(): Reply {
    return { status: 200, body: { ...copy(this.policy), provenance: this.policyProvenance } };
  }

  putPolicies(body: unknown, meta: WriteMeta): Reply {
    const problems = policyTreeProblems(body, this.receiverNames());
    if (problems.length > 0 || !isRecord(body)) return error(400, `invalid policy tree: ${problems.join("; ")}`);
    const tree = copy(body);
    delete tree["provenance"];
    this.policy = tree;
    this.policyProvenance = meta.disableProvenance ? "" : "api";
    this.record("policies", "tree", meta);
    return { status: 202, body: { message: "policies updated" } };
  }
}
