/**
 * The contract between what the provisioner writes into Grafana and what the scaler accepts. The fake
 * Grafana is provisioned; from what it then holds (the rule's labels and reduce refId, the policy route
 * the alert would take, the contact point's URL, method and credentials) this test builds the unified
 * alerting webhook Grafana would send, and posts it as Grafana would to the real scaler bundle, which
 * runs with TICK_SECONDS=1 against the in-process API emulator. Firing up grows the pool, resolved stops
 * it, firing down shrinks it back.
 *
 * Facts about Grafana's notifications (its webhook notifier, version "1"): the body carries receiver,
 * status, orgId, alerts[], groupLabels, commonLabels, commonAnnotations, externalURL, version, groupKey,
 * truncatedAlerts, title, state and message; each alert carries status, labels (the rule's labels plus
 * alertname = the rule's title and grafana_folder = the folder's title), annotations, startsAt, endsAt
 * ("0001-01-01T00:00:00Z" while firing), generatorURL, fingerprint (a hash of the label set), silenceURL,
 * dashboardURL, panelURL and values (refId → number of the rule's expressions). The contact point sends
 * `Authorization: <authorization_scheme> <authorization_credentials>`, the scheme defaulting to Bearer.
 * Routing: a child policy takes an alert when all its matchers match (=~ and !~ are anchored regexes);
 * the first matching child wins unless it says continue. Loopback only, bounded waits.
 */
import test, { type ExecutionContext } from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { GRAFANA_UIDS, type GrafanaRoute, type ObjectMatcher } from "../../contracts/grafana.js";
import { isRecord } from "../../lib/shared/json.js";
import { createMemoryLogger } from "../../lib/shared/log.js";
import type { Emulator } from "../../sandbox/emulator/server.js";
import type { FakeGrafana } from "../../sandbox/grafana/server.js";
import { BUNDLES, bundleOptions } from "../../scripts/bundles.mjs";
import { provisionGrafana } from "../../services/grafana-provisioner/service.js";
import { emulatorEnv, startTestEmulator } from "../helpers/emulator.js";
import { waitFor } from "../helpers/wait.js";
import { ADMIN_PASSWORD, startTestGrafana } from "../sandbox/grafana/helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TOKEN = "e2e-webhook-token";
let outDir = "";
let SCALER = "";

test.before(async () => {
  outDir = await mkdtemp(join(tmpdir(), "e2e-scaler-"));
  SCALER = join(outDir, "scaler.cjs");
  await build(bundleOptions(join(ROOT, BUNDLES.scaler), SCALER));
});
test.after.always(async () => {
  if (outDir !== "") await rm(outDir, { recursive: true, force: true });
});

type Line = Record<string, unknown>;

interface Scaler {
  child: ChildProcess;
  url: string;
  lines: Line[];
  exited: Promise<number | null>;
  waitLine(match: (l: Line) => boolean, from: number, ms?: number): Promise<Line>;
}

async function spawnScaler(t: ExecutionContext, emulator: Emulator, poolId: string): Promise<Scaler> {
  const child = spawn(process.execPath, [SCALER], {
    env: {
      PATH: process.env["PATH"] ?? "",
      ...emulatorEnv(emulator, poolId),
      LISTEN_HOST: "127.0.0.1",
      LISTEN_PORT: "0",
      TICK_SECONDS: "1",
      MAX_SIZE: "4",
      WEBHOOK_TOKEN: TOKEN,
      // The default policy with its minutes-long waits off, so the test runs in real time.
      SCALE_UP_WARMUP_SECONDS: "0",
      SCALE_DOWN_COOLDOWN_SECONDS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const lines: Line[] = [];
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const p of parts) if (p.trim() !== "") lines.push(JSON.parse(p) as Line);
  });
  const waitLine = (match: (l: Line) => boolean, from: number, ms = 10_000): Promise<Line> =>
    waitFor(() => lines.slice(from).find(match), { timeoutMs: ms, what: "a scaler log line" });
  const started = await waitLine((l) => l["msg"] === "scaler started", 0);
  return { child, url: `http://${String(started["listen"])}`, lines, exited, waitLine };
}

// ----- what Grafana holds, read back from the fake -----------------------------------------------

interface ProvisionedRule {
  title: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The reduce step's refId: the key of the measured value in the webhook's `values`. */
  reduceRef: string;
  conditionRef: string;
  threshold: { type: string; value: number };
}

function provisionedRule(fake: FakeGrafana, direction: "up" | "down"): ProvisionedRule {
  const group = [...fake.model.ruleGroups.values()].find((g) => g.folderUid === GRAFANA_UIDS.folder);
  const rule = group?.rules.find((r) => isRecord(r["labels"]) && r["labels"]["scale"] === direction);
  if (!rule) throw new Error(`no provisioned rule with scale=${direction}`);
  const data = rule["data"] as Array<{ refId: string; model: Record<string, unknown> }>;
  const reduce = data.find((d) => d.model["type"] === "reduce");
  const condition = data.find((d) => d.refId === rule["condition"]);
  const evaluator = (condition?.model["conditions"] as Array<{ evaluator: { type: string; params: number[] } }> | undefined)?.[0]
    ?.evaluator;
  if (!reduce || !condition || !evaluator) throw new Error("the rule has no reduce step or no threshold condition");
  return {
    title: String(rule["title"]),
    labels: rule["labels"] as Record<string, string>,
    annotations: rule["annotations"] as Record<string, string>,
    reduceRef: reduce.refId,
    conditionRef: condition.refId,
    threshold: { type: evaluator.type, value: evaluator.params[0]! },
  };
}

function matches([label, op, value]: ObjectMatcher, labels: Record<string, string>): boolean {
  const actual = labels[label] ?? "";
  const regex = new RegExp(`^(?:${value})$`);
  if (op === "=") return actual === value;
  if (op === "!=") return actual !== value;
  if (op === "=~") return regex.test(actual);
  return !regex.test(actual);
}

/** The policy an alert with these labels ends in, as Grafana routes it (first matching child, depth first). */
function routeFor(tree: GrafanaRoute, labels: Record<string, string>): GrafanaRoute {
  for (const child of tree.routes ?? []) {
    if ((child.object_matchers ?? []).every((m) => matches(m, labels))) return { ...tree, ...routeFor(child, labels), routes: [] };
  }
  return tree;
}

// ----- the notification Grafana would send --------------------------------------------------------

interface AlertInstance {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  values: Record<string, number>;
}

function fingerprintOf(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("\u0000");
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

function alertInstance(fake: FakeGrafana, rule: ProvisionedRule, value: number): AlertInstance {
  const folder = fake.model.folders.get(GRAFANA_UIDS.folder);
  return {
    labels: { ...rule.labels, alertname: rule.title, grafana_folder: String(folder?.["title"]) },
    annotations: rule.annotations,
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    values: { [rule.reduceRef]: value, [rule.conditionRef]: 1 },
  };
}

function notification(status: "firing" | "resolved", alert: AlertInstance, route: GrafanaRoute): Record<string, unknown> {
  const groupLabels = Object.fromEntries((route.group_by ?? []).filter((l) => l in alert.labels).map((l) => [l, alert.labels[l]!]));
  const fingerprint = fingerprintOf(alert.labels);
  return {
    receiver: route.receiver,
    status,
    orgId: 1,
    alerts: [
      {
        status,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt,
        endsAt: status === "firing" ? "0001-01-01T00:00:00Z" : new Date().toISOString(),
        generatorURL: `http://127.0.0.1:3000/alerting/grafana/${alert.labels["alertname"]}/view`,
        fingerprint,
        silenceURL: "http://127.0.0.1:3000/alerting/silence/new",
        dashboardURL: "",
        panelURL: "",
        values: alert.values,
      },
    ],
    groupLabels,
    commonLabels: alert.labels,
    commonAnnotations: alert.annotations,
    externalURL: "http://127.0.0.1:3000/",
    version: "1",
    groupKey: `{}/{}:${JSON.stringify(groupLabels)}`,
    truncatedAlerts: 0,
    title: `[${status.toUpperCase()}:1] ${alert.labels["alertname"]}`,
    state: status === "firing" ? "alerting" : "ok",
    message: `**${status}**`,
  };
}

/** Posts as the contact point's integration would: its URL, its method, its Authorization header. */
async function deliver(fake: FakeGrafana, route: GrafanaRoute, body: Record<string, unknown>, withCredentials = true): Promise<Response> {
  const integrations = fake.model.contactPoints.filter((p) => p.name === route.receiver);
  if (integrations.length !== 1)
    throw new Error(`expected one integration for receiver ${String(route.receiver)}, got ${integrations.length}`);
  const { type, settings } = integrations[0]!;
  if (type !== "webhook") throw new Error(`receiver ${String(route.receiver)} is a ${type}, not a webhook`);
  const headers: Record<string, string> = { "content-type": "application/json" };
  const credentials = settings["authorization_credentials"];
  if (withCredentials && typeof credentials === "string" && credentials !== "") {
    headers["authorization"] =
      `${typeof settings["authorization_scheme"] === "string" ? settings["authorization_scheme"] : "Bearer"} ${credentials}`;
  }
  const method = typeof settings["httpMethod"] === "string" && settings["httpMethod"] !== "" ? settings["httpMethod"] : "POST";
  return fetch(String(settings["url"]), { method, headers, body: JSON.stringify(body) });
}

function compare(value: number, threshold: ProvisionedRule["threshold"]): boolean {
  return threshold.type === "gt" ? value > threshold.value : value < threshold.value;
}

test("what the provisioner writes into Grafana makes the scaler scale: firing up grows, resolved stops, firing down shrinks", async (t) => {
  const emulator = await startTestEmulator(t, { host: "127.0.0.1", operationDelayMs: 100 });
  const pool = emulator.createPool({ size: 1 });
  const scaler = await spawnScaler(t, emulator, pool.id);
  const fake = await startTestGrafana(t);
  await provisionGrafana(
    { GRAFANA_URL: fake.url, GRAFANA_PASSWORD: ADMIN_PASSWORD, SCALER_URL: scaler.url, WEBHOOK_TOKEN: TOKEN, GRAFANA_WAIT_SECONDS: "5" },
    { logger: createMemoryLogger("grafana-provisioner") },
  );
  const tree = fake.model.policy as GrafanaRoute;

  // Scale up: Grafana's alert for the up rule, 91.5 % on its reduce step.
  const upRule = provisionedRule(fake, "up");
  t.true(compare(91.5, upRule.threshold), "91.5 % fires the up rule");
  const up = alertInstance(fake, upRule, 91.5);
  const upRoute = routeFor(tree, up.labels);
  t.is(
    upRoute.receiver,
    fake.model.contactPoints.find((p) => p.uid === GRAFANA_UIDS.contactPoint)?.name,
    "the alert reaches our contact point",
  );
  t.is(upRoute.repeat_interval, "1m");

  t.is((await deliver(fake, upRoute, notification("firing", up, upRoute), false)).status, 401, "the token is what lets it in");
  t.is(emulator.pool(pool.id).size, 1);
  const firing = await deliver(fake, upRoute, notification("firing", up, upRoute));
  t.is(firing.status, 202, await firing.clone().text());
  t.like(await firing.json(), { format: "grafana", recorded: [{ direction: "up", status: "firing" }] });
  await waitFor(() => emulator.pool(pool.id).size >= 2 || undefined, { timeoutMs: 10_000, what: "the pool to grow" });

  // Resolved: same alert, same fingerprint and startsAt. The scaler withdraws it and stops growing.
  let mark = scaler.lines.length;
  const resolved = await deliver(fake, upRoute, notification("resolved", up, upRoute));
  t.is(resolved.status, 202);
  t.like(await resolved.json(), { recorded: [{ direction: "up", status: "resolved", outcome: "withdrawn" }] });
  const quiet = await scaler.waitLine((l) => l["msg"] === "decision" && l["reason"] === "no signal", mark);
  const size = emulator.pool(pool.id).size;
  // The value on the reduce step reached the policy: 91.5 % on 1 member at TARGET_CPU 20 wants 5, MAX_SIZE is 4.
  t.is(size, 4, `size ${size}`);
  const next = await scaler.waitLine((l) => l["msg"] === "decision", scaler.lines.indexOf(quiet) + 1);
  const after = await scaler.waitLine((l) => l["msg"] === "decision", scaler.lines.indexOf(next) + 1);
  t.deepEqual([next["reason"], after["reason"]], ["no signal", "no signal"]);
  t.is(emulator.pool(pool.id).size, size, "no further scaling after the resolved notification");

  // Scale down: the down rule fires at 5 %.
  const downRule = provisionedRule(fake, "down");
  t.true(compare(5, downRule.threshold), "5 % fires the down rule");
  const down = alertInstance(fake, downRule, 5);
  const downRoute = routeFor(tree, down.labels);
  t.is(downRoute.receiver, upRoute.receiver);
  mark = scaler.lines.length;
  const shrinking = await deliver(fake, downRoute, notification("firing", down, downRoute));
  t.is(shrinking.status, 202);
  await scaler.waitLine((l) => l["msg"] === "decision" && l["reason"] === "down signal", mark);
  await scaler.waitLine((l) => l["msg"] === "decision" && l["reason"] === "at min", mark, 15_000);
  t.is(emulator.pool(pool.id).size, 1);

  scaler.child.kill("SIGTERM");
  t.is(await scaler.exited, 0);
});
