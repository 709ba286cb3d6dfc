/**
 * What the rehearsal checks once the graph's commands have run, from outside the host: over SSH (as the
 * SSH user, with sudo where root is needed) and over HTTP to its veth address.
 */
import { GRAFANA_NAMES, GRAFANA_UIDS, ruleUid } from "../../contracts/grafana.js";
import { bundlePath, HOST_LAYOUT } from "../../contracts/hostLayout.js";
import { NODE_EXPORTER_UNIT, PROMETHEUS_UNIT } from "../../contracts/hostScripts.js";
import { PORTS } from "../../contracts/ports.js";
import { PROMETHEUS_JOBS, renderPrometheusConfig } from "../../contracts/prometheusConfig.js";
import { GRAFANA_UNIT } from "../../contracts/systemdUnits.js";
import { sha256 } from "../../components/bundles.js";
import { sleep } from "./exec.js";
import { SSH_USER } from "./settings.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** Runs a shell command inside the host as the SSH user; resolves with its output, whatever its exit code. */
export type InsideShell = (command: string) => Promise<{ code: number; stdout: string; stderr: string }>;

export const LONG_RUNNING_UNITS = [
  HOST_LAYOUT.services.sdAgent.unit,
  HOST_LAYOUT.services.scaler.unit,
  PROMETHEUS_UNIT,
  NODE_EXPORTER_UNIT,
  GRAFANA_UNIT,
] as const;

export interface ExpectedFile {
  path: string;
  /** Octal as stat's %a prints it (no leading zero). */
  mode: string;
  owner: string;
  group: string;
  /** Absent is fine (a file a service writes later). */
  optional?: boolean;
}

/** Every file and directory the scripts install or the services create, with its intended mode and owner. */
export function expectedFiles(sshUser: string = SSH_USER): ExpectedFile[] {
  const s = HOST_LAYOUT.services;
  const root = (path: string, mode = "644"): ExpectedFile => ({ path, mode, owner: "root", group: "root" });
  const files: ExpectedFile[] = [
    root(HOST_LAYOUT.bundleDir, "755"),
    root(HOST_LAYOUT.configDir, "755"),
    { path: HOST_LAYOUT.stagingDir, mode: "700", owner: sshUser, group: sshUser },
    { path: HOST_LAYOUT.sdDir, mode: "755", owner: s.sdAgent.user, group: s.sdAgent.user },
    { path: HOST_LAYOUT.sdFile, mode: "644", owner: s.sdAgent.user, group: s.sdAgent.user },
    { path: HOST_LAYOUT.scalerStateDir, mode: "700", owner: s.scaler.user, group: s.scaler.user },
    { path: HOST_LAYOUT.scalerStateFile, mode: "600", owner: s.scaler.user, group: s.scaler.user, optional: true },
    root(HOST_LAYOUT.prometheusConfig),
    root(HOST_LAYOUT.grafanaEnvFile, "600"),
    root(HOST_LAYOUT.grafanaDropIn),
  ];
  for (const service of Object.values(s)) {
    files.push(root(bundlePath(service.bundle)));
    files.push(root(`${HOST_LAYOUT.unitDir}/${service.unit}`));
    files.push({ path: service.envFile, mode: "600", owner: service.user, group: service.user });
  }
  return files;
}

/** Compares `stat -c '%a %U %G %n'` lines (a missing file: "missing <path>") with what is intended. */
export function fileProblems(expected: ExpectedFile[], statLines: string): string[] {
  const seen = new Map<string, string>();
  for (const line of statLines.split("\n").filter(Boolean)) {
    const m = /^(\S+) (\S+) (\S+) (.+)$/.exec(line);
    if (m) seen.set(m[4], m[1] === "missing" ? "missing" : `${m[1]} ${m[2]} ${m[3]}`);
  }
  const problems: string[] = [];
  for (const file of expected) {
    const actual = seen.get(file.path) ?? "missing";
    if (actual === "missing") {
      if (!file.optional) problems.push(`${file.path} is missing`);
      continue;
    }
    const want = `${file.mode} ${file.owner} ${file.group}`;
    if (actual !== want) problems.push(`${file.path} is ${actual}, intended ${want}`);
  }
  return problems;
}

export function statCommand(paths: string[]): string {
  const quoted = paths.map((p) => `'${p}'`).join(" ");
  return `for f in ${quoted}; do if sudo test -e "$f"; then sudo stat -c '%a %U %G %n' "$f"; else echo "missing - - $f"; fi; done`;
}

/** The targets a file_sd JSON lists, flattened. */
export function sdTargets(json: string): string[] {
  const groups = JSON.parse(json) as { targets?: string[] }[];
  return groups.flatMap((g) => g.targets ?? []);
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

/** Retries `probe` until it returns no problem or `ms` pass; returns the last problem. */
async function eventually(ms: number, probe: () => Promise<string | undefined>): Promise<string | undefined> {
  const deadline = Date.now() + ms;
  let problem: string | undefined;
  for (;;) {
    try {
      problem = await probe();
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem === undefined || Date.now() > deadline) return problem;
    await sleep(1000);
  }
}

export interface CheckContext {
  sh: InsideShell;
  /** The host's veth address, as seen from here. */
  hostAddress: string;
  /** host:port the SD file must list (the emulated pool's members). */
  poolTargets: string[];
  grafanaPassword: string;
  webhookUrl?: string;
}

/** The Grafana objects the provisioner should have made, as a comparable snapshot (also for idempotency). */
export async function grafanaSnapshot(ctx: CheckContext): Promise<Record<string, unknown>> {
  const auth = { authorization: `Basic ${Buffer.from(`admin:${ctx.grafanaPassword}`).toString("base64")}` };
  const base = `http://${ctx.hostAddress}:${PORTS.grafana}`;
  const paths = {
    datasource: `/api/datasources/uid/${GRAFANA_UIDS.datasource}`,
    folder: `/api/folders/${GRAFANA_UIDS.folder}`,
    dashboard: `/api/dashboards/uid/${GRAFANA_UIDS.dashboard}`,
    ruleGroup: `/api/v1/provisioning/folder/${GRAFANA_UIDS.folder}/rule-groups/exoscale-autoscaler`,
    contactPoints: "/api/v1/provisioning/contact-points",
    policies: "/api/v1/provisioning/policies",
  };
  const snapshot: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(paths)) snapshot[name] = await getJson(`${base}${path}`, auth);
  return snapshot;
}

export function grafanaProblems(snapshot: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const body = (name: string) => {
    const entry = snapshot[name] as { status: number; body: unknown } | undefined;
    if (!entry || entry.status !== 200) {
      problems.push(`${name}: HTTP ${entry?.status ?? "no answer"}`);
      return undefined;
    }
    return entry.body as Record<string, unknown>;
  };
  const ds = body("datasource");
  if (ds && ds["url"] !== `http://127.0.0.1:${PORTS.prometheus}`) problems.push(`datasource url is ${String(ds["url"])}`);
  body("folder");
  const dash = body("dashboard") as { dashboard?: { uid?: string } } | undefined;
  if (dash && dash.dashboard?.uid !== GRAFANA_UIDS.dashboard) problems.push("the dashboard has another uid");
  const group = body("ruleGroup") as { rules?: { uid?: string }[] } | undefined;
  if (group) {
    const uids = (group.rules ?? []).map((r) => r.uid).sort();
    const want = [ruleUid("down"), ruleUid("up")].sort();
    if (JSON.stringify(uids) !== JSON.stringify(want))
      problems.push(`rule uids are ${JSON.stringify(uids)}, expected ${JSON.stringify(want)}`);
  }
  const points = body("contactPoints") as unknown as { uid?: string; name?: string; settings?: { url?: string } }[] | undefined;
  if (points) {
    const ours = points.filter((p) => p.uid === GRAFANA_UIDS.contactPoint);
    if (ours.length !== 1) problems.push(`${ours.length} contact points with uid ${GRAFANA_UIDS.contactPoint}`);
    else if (ours[0].settings?.url !== `http://127.0.0.1:${PORTS.scaler}/webhook`)
      problems.push(`the contact point calls ${ours[0].settings?.url}`);
  }
  const policies = body("policies");
  if (policies && !JSON.stringify(policies).includes(GRAFANA_NAMES.contactPoint))
    problems.push("no notification route to our contact point");
  return problems;
}

export async function runChecks(ctx: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = async (name: string, probe: () => Promise<string | undefined>, waitMs = 0) => {
    const problem = await eventually(waitMs, probe);
    results.push({ name, ok: problem === undefined, detail: problem ?? "ok" });
  };
  const http = `http://${ctx.hostAddress}`;

  await check("every unit is active", async () => {
    const r = await ctx.sh(`systemctl is-active ${LONG_RUNNING_UNITS.join(" ")}`);
    const states = r.stdout.trim().split("\n");
    const bad = LONG_RUNNING_UNITS.map((u, i) => [u, states[i] ?? "?"])
      .filter(([, state]) => state !== "active")
      .map(([u, state]) => `${u} is ${state}`);
    return bad.length ? bad.join("; ") : undefined;
  });
  await check("Prometheus answers on 9090 with the rendered configuration", async () => {
    const r = await ctx.sh(`sudo sha256sum ${HOST_LAYOUT.prometheusConfig}`);
    if (r.stdout.split(" ")[0] !== sha256(renderPrometheusConfig()))
      return `${HOST_LAYOUT.prometheusConfig} is not the rendered configuration`;
    const answer = await getJson(`${http}:${PORTS.prometheus}/api/v1/status/config`);
    const yaml = String((answer.body as { data?: { yaml?: string } }).data?.yaml ?? "");
    const missing = Object.values(PROMETHEUS_JOBS).filter((job) => !yaml.includes(`job_name: ${job}`));
    return answer.status !== 200
      ? `HTTP ${answer.status}`
      : missing.length
        ? `the loaded configuration lacks the jobs ${missing.join(", ")}`
        : undefined;
  });
  await check(
    "the SD file exists and lists the emulated pool's members",
    async () => {
      const r = await ctx.sh(`cat ${HOST_LAYOUT.sdFile}`);
      if (r.code !== 0) return `${HOST_LAYOUT.sdFile}: ${r.stderr.trim()}`;
      const listed = sdTargets(r.stdout).sort();
      return JSON.stringify(listed) === JSON.stringify([...ctx.poolTargets].sort())
        ? undefined
        : `it lists ${JSON.stringify(listed)}, the pool has ${JSON.stringify(ctx.poolTargets)}`;
    },
    30_000,
  );
  await check(
    "Prometheus' targets include the pool job with every member",
    async () => {
      const answer = await getJson(`${http}:${PORTS.prometheus}/api/v1/targets?state=active`);
      const targets = (answer.body as { data?: { activeTargets?: { labels: Record<string, string> }[] } }).data?.activeTargets ?? [];
      const pool = targets
        .filter((t) => t.labels["job"] === PROMETHEUS_JOBS.pool)
        .map((t) => t.labels["instance"])
        .sort();
      return JSON.stringify(pool) === JSON.stringify([...ctx.poolTargets].sort()) ? undefined : `pool job targets: ${JSON.stringify(pool)}`;
    },
    30_000,
  );
  await check("the scaler answers /status on 127.0.0.1 inside the host, not on its veth address", async () => {
    const inside = await ctx.sh(`curl -sf --max-time 5 http://127.0.0.1:${PORTS.scaler}/status`);
    if (inside.code !== 0) return `curl 127.0.0.1:${PORTS.scaler}/status inside failed (exit ${inside.code})`;
    try {
      JSON.parse(inside.stdout);
    } catch {
      return "/status is not JSON";
    }
    const outside = await fetch(`${http}:${PORTS.scaler}/status`, { signal: AbortSignal.timeout(3000) }).then(
      (r) => `HTTP ${r.status}`,
      () => undefined,
    );
    return outside ? `the scaler answered on ${ctx.hostAddress}:${PORTS.scaler} (${outside})` : undefined;
  });
  await check("files and secrets have their intended owners and modes", async () => {
    const expected = expectedFiles();
    const r = await ctx.sh(statCommand(expected.map((f) => f.path)));
    const problems = fileProblems(expected, r.stdout);
    return problems.length ? problems.join("; ") : undefined;
  });
  await check("systemd-analyze verify passes inside the host", async () => {
    const units = Object.values(HOST_LAYOUT.services).map((s) => `${HOST_LAYOUT.unitDir}/${s.unit}`);
    const r = await ctx.sh(
      `sudo systemd-analyze verify ${units.join(" ")} "$(systemctl show -p FragmentPath --value ${GRAFANA_UNIT})" 2>&1`,
    );
    return r.code === 0 && r.stdout.trim() === "" ? undefined : `exit ${r.code}: ${r.stdout.trim()}`;
  });
  await check("the provisioner ran against the stand-in Grafana and made the expected objects", async () => {
    const journal = await ctx.sh(`sudo systemctl show -p Result,ExecMainStatus ${HOST_LAYOUT.services.grafanaProvisioner.unit}`);
    if (!/Result=success/.test(journal.stdout) || !/ExecMainStatus=0/.test(journal.stdout)) return `provisioner: ${journal.stdout.trim()}`;
    const problems = grafanaProblems(await grafanaSnapshot(ctx));
    return problems.length ? problems.join("; ") : undefined;
  });
  return results;
}

/**
 * What a re-run must not change: each unit's start, every installed file's content, mode, owner and mtime,
 * and each directory's mode and owner (not its mtime: the scaler's state file is rewritten beside it).
 */
export async function hostSnapshot(sh: InsideShell): Promise<Record<string, string>> {
  const snap: Record<string, string> = {};
  const units = await sh(`systemctl show -p Id,ActiveEnterTimestamp,InvocationID ${LONG_RUNNING_UNITS.join(" ")}`);
  for (const block of units.stdout.trim().split(/\n\s*\n/)) {
    const id = /^Id=(.+)$/m.exec(block)?.[1] ?? "?";
    snap[`unit ${id}`] = block
      .split("\n")
      .filter((l) => !l.startsWith("Id="))
      .sort()
      .join(" ");
  }
  const paths = expectedFiles()
    .filter((f) => f.path !== HOST_LAYOUT.sdFile && f.path !== HOST_LAYOUT.scalerStateFile && !f.path.endsWith("-staging"))
    .map((f) => f.path);
  const files = await sh(
    `for f in ${paths.map((p) => `'${p}'`).join(" ")}; do if sudo test -f "$f"; then sudo stat -c '%n %a %U %G %Y' "$f"; sudo sha256sum "$f" | cut -d' ' -f1; else sudo stat -c '%n %a %U %G' "$f"; fi; done`,
  );
  const lines = files.stdout.trim().split("\n");
  for (let i = 0; i < lines.length; i++) {
    const [name, ...rest] = lines[i].split(" ");
    const hash = lines[i + 1] && /^[0-9a-f]{64}$/.test(lines[i + 1]) ? lines[++i] : "";
    snap[`file ${name}`] = `${rest.join(" ")} ${hash}`.trim();
  }
  return snap;
}

export function snapshotDifferences(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.filter((k) => before[k] !== after[k]).map((k) => `${k}: ${before[k] ?? "absent"} → ${after[k] ?? "absent"}`);
}

export function formatChecks(results: CheckResult[]): string {
  return results.map((r) => `  ${r.ok ? "ok  " : "FAIL"} ${r.name}${r.ok ? "" : `: ${r.detail}`}`).join("\n");
}
