/**
 * The built bundle as a child process against the in-process fake Grafana: two runs provision it with no
 * duplicates, a missing password exits 2, a wrong one exits 1 at once, a stop while waiting exits 1.
 * Built exactly like `npm run build` does, into a temp dir. Loopback only, bounded waits.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { GRAFANA_UIDS } from "../../../contracts/grafana.js";
import { BUNDLES, bundleOptions } from "../../../scripts/bundles.mjs";
import type { FakeGrafana } from "../../../sandbox/grafana/server.js";
import { ADMIN_PASSWORD, startTestGrafana } from "../../sandbox/grafana/helpers.js";
import { waitFor } from "../../helpers/wait.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
let outDir = "";
let BUNDLE = "";

test.before(async () => {
  outDir = await mkdtemp(join(tmpdir(), "grafana-provisioner-bundle-"));
  BUNDLE = join(outDir, "grafana-provisioner.cjs");
  await build(bundleOptions(join(ROOT, BUNDLES["grafana-provisioner"]), BUNDLE));
});
test.after.always(async () => {
  if (outDir !== "") await rm(outDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  lines: Array<Record<string, unknown>>;
  stderr: string;
  ms: number;
}

function spawnBundle(env: Record<string, string>, onStart?: (kill: () => void) => void): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [BUNDLE], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  onStart?.(() => child.kill("SIGTERM"));
  return new Promise((resolve) => {
    child.once("exit", (code) => {
      clearTimeout(killer);
      const lines = out
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, lines, stderr: err, ms: Date.now() - started });
    });
  });
}

function envFor(fake: FakeGrafana, extra: Record<string, string> = {}): Record<string, string> {
  return { GRAFANA_URL: fake.url, GRAFANA_PASSWORD: ADMIN_PASSWORD, WEBHOOK_TOKEN: "bundle-token", GRAFANA_WAIT_SECONDS: "20", ...extra };
}

test("bundle: two runs provision Grafana with no duplicates and exit 0 both times", async (t) => {
  const fake = await startTestGrafana(t);
  const first = await spawnBundle(envFor(fake));
  t.is(first.code, 0, first.stderr);
  t.is(first.stderr, "");
  t.deepEqual(
    first.lines.filter((l) => typeof l["outcome"] === "string").map((l) => `${String(l["object"])} ${String(l["outcome"])}`),
    [
      "datasource created",
      "folder created",
      "dashboard created",
      "rule-group created",
      "contact-point created",
      "notification-policy created",
    ],
  );
  const second = await spawnBundle(envFor(fake));
  t.is(second.code, 0, second.stderr);
  t.like(second.lines.at(-1), { msg: "Grafana provisioned", created: 0 });
  t.is(fake.model.datasources.size, 1);
  t.is(fake.model.folders.size, 1);
  t.is(fake.model.dashboards.size, 1);
  t.is(fake.model.ruleGroups.size, 1);
  t.is(fake.model.contactPoints.filter((p) => p.uid === GRAFANA_UIDS.contactPoint).length, 1);
  t.is((fake.model.policy["routes"] as unknown[]).length, 1);
  t.true(fake.requests.filter((r) => r.method !== "GET").every((r) => r.disableProvenance));
});

test("bundle: without GRAFANA_PASSWORD it exits 2 and says so", async (t) => {
  const run = await spawnBundle({ GRAFANA_URL: "http://127.0.0.1:9", SCALE_UP_CPU: "high" });
  t.is(run.code, 2);
  t.regex(run.stderr, /grafana-provisioner: invalid configuration:/);
  t.regex(run.stderr, /GRAFANA_PASSWORD is required/);
  t.regex(run.stderr, /SCALE_UP_CPU must be a number/);
  t.notRegex(run.stderr, /at .*\.(ts|cjs):\d+/);
});

test("bundle: a wrong password exits 1 at once, well before GRAFANA_WAIT_SECONDS, saying the password is wrong", async (t) => {
  const fake = await startTestGrafana(t);
  const run = await spawnBundle(envFor(fake, { GRAFANA_PASSWORD: "not-it", GRAFANA_WAIT_SECONDS: "60" }));
  t.is(run.code, 1);
  t.true(run.ms < 10_000, `took ${run.ms} ms`);
  t.regex(run.stderr, /^grafana-provisioner: Grafana refused the credentials for GRAFANA_USER "admin" .*check GRAFANA_PASSWORD/);
  t.is(run.stderr.trim().split("\n").length, 1, "one line, no stack trace");
  t.is(fake.model.writes.length, 0);
});

test("bundle: a Grafana that never comes up fails after GRAFANA_WAIT_SECONDS naming its URL", async (t) => {
  const fake = await startTestGrafana(t, { notReadyMs: 120_000 });
  const run = await spawnBundle(envFor(fake, { GRAFANA_WAIT_SECONDS: "1" }));
  t.is(run.code, 1);
  t.regex(run.stderr, new RegExp(`Grafana at ${fake.url} was not ready within 1 s`));
});

test("bundle: SIGTERM while waiting for Grafana exits 1 promptly (the run did not finish)", async (t) => {
  const fake = await startTestGrafana(t, { notReadyMs: 120_000 });
  let stoppedAt = 0;
  const run = await spawnBundle(envFor(fake, { GRAFANA_WAIT_SECONDS: "60" }), (kill) => {
    void waitFor(() => fake.requests.length > 0, { timeoutMs: 15_000, what: "a health probe" }).then(() => {
      stoppedAt = Date.now();
      kill();
    });
  });
  t.is(run.code, 1);
  // Far under the 60 s it would otherwise wait; the margin is for a loaded test machine.
  t.true(Date.now() - stoppedAt < 5000, `exited ${Date.now() - stoppedAt} ms after the signal`);
  t.regex(run.stderr, /stopped by a signal before it finished/);
});
