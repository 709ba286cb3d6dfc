/**
 * `npm run demo` end to end, as a user runs it (after `npm run build`): the pool grows under load and
 * shrinks back to its minimum through a real Prometheus and Alertmanager, the run folder is complete, and
 * nothing is left running. While it runs, the NLB answers /health with OK, Prometheus scrapes the emulated
 * members, and their metrics pass `promtool check metrics`. Bounded: the demo's own time limit, then a kill.
 */
import test, { type ExecutionContext } from "ava";
import { spawn, spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { tempDir } from "../helpers/fs.js";
import { requireTool } from "../helpers/tools.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface DemoProcess {
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
}

/** Starts `npm run demo`'s program as a user would (CI=true: plain lines), killed when the test ends. */
function startDemo(t: ExecutionContext, args: string[]): DemoProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "sandbox/demo/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return { output: () => output, exited, kill: (signal) => child.kill(signal) };
}

/** The run folder's endpoints.json, once the demo has written it. */
function waitForEndpoints(out: string): Promise<Record<string, string>> {
  return waitFor(
    async () => {
      try {
        return JSON.parse(await readFile(join(out, "endpoints.json"), "utf8")) as Record<string, string>;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 120_000, intervalMs: 250, what: "endpoints.json" },
  );
}

test("the demo completes a full cycle, writes its run folder and leaves nothing behind", async (t) => {
  if (!(await requireTool(t, "prometheus"))) return;
  if (!(await requireTool(t, "prometheus-alertmanager"))) return;
  if (!(await requireTool(t, "promtool"))) return;
  const out = await tempDir(t, "demo-run-");
  const demo = startDemo(t, ["--out", out, "--hold", "40", "--time-limit", "300"]);
  const killer = setTimeout(() => demo.kill("SIGKILL"), 420_000);
  t.teardown(() => clearTimeout(killer));

  // While it runs: the endpoints, the NLB, Prometheus's pool targets and a member's metrics.
  const endpoints = await waitForEndpoints(out);
  t.deepEqual(Object.keys(endpoints).sort(), ["alertmanager", "emulator", "nlb", "prometheus", "scaler"]);
  const health = await fetch(`${endpoints["nlb"]}/health`);
  t.is(await health.text(), "OK");
  const poolTargets = await waitFor(
    async () => {
      const body = (await (await fetch(`${endpoints["prometheus"]}/api/v1/targets?state=active`)).json()) as {
        data: { activeTargets: { labels: { job: string }; health: string; scrapeUrl: string }[] };
      };
      const up = body.data.activeTargets.filter((target) => target.labels.job === "pool" && target.health === "up");
      return up.length > 0 ? up : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: "Prometheus scraping a pool member" },
  );
  const metrics = await (await fetch(poolTargets[0]!.scrapeUrl)).text();
  const checked = spawnSync("promtool", ["check", "metrics"], { input: metrics, encoding: "utf8" });
  t.is(checked.status, 0, `${checked.stdout}${checked.stderr}`);
  t.regex(metrics, /^node_cpu_seconds_total\{cpu="0",mode="idle"\} /m);

  const code = await demo.exited;
  t.is(code, 0, demo.output());
  t.regex(demo.output(), /demo: cycle complete/);

  const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8")) as Record<string, number | boolean>;
  t.like(summary, { minSize: 1, maxSize: 4, finalSize: 1, completed: true });
  t.true((summary["scaleUps"] as number) >= 1 && (summary["scaleDowns"] as number) >= 1);
  const csv = (await readFile(join(out, "timeline.csv"), "utf8")).trim().split("\n");
  t.is(csv[0], "t,load,cpu,poolSize,ready,decision");
  t.true(csv.length > 20);
  t.true((await readFile(join(out, "chart.svg"), "utf8")).startsWith("<svg"));
  // The rules it ran are the alert spec's, for the same job the cloud uses.
  const rules = parse(await readFile(join(out, "rules.yml"), "utf8")) as { groups: { rules: { labels: Record<string, string> }[] }[] };
  t.deepEqual(
    rules.groups[0]?.rules.map((r) => r.labels["scale"]),
    ["up", "down"],
  );

  // Nothing is left: every port it used is free again and no child of the demo remains.
  for (const url of [endpoints["prometheus"], endpoints["alertmanager"], endpoints["scaler"], endpoints["nlb"]]) {
    await t.throwsAsync(fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) }), undefined, `${url} still answers`);
  }
  const left = spawnSync("pgrep", ["-f", out], { encoding: "utf8" });
  t.is(left.stdout.trim(), "", "no process still refers to the run folder");
});

test("Ctrl-C during a run stops everything it started and exits 1", async (t) => {
  if (!(await requireTool(t, "prometheus"))) return;
  if (!(await requireTool(t, "prometheus-alertmanager"))) return;
  const out = await tempDir(t, "demo-interrupted-");
  const demo = startDemo(t, ["--out", out]);
  const endpoints = await waitForEndpoints(out);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  demo.kill("SIGINT");
  t.is(await demo.exited, 1, demo.output());
  t.regex(demo.output(), /interrupted/);
  for (const url of Object.values(endpoints)) {
    await t.throwsAsync(fetch(url, { signal: AbortSignal.timeout(2_000) }), undefined, `${url} still answers`);
  }
  t.is(spawnSync("pgrep", ["-f", out], { encoding: "utf8" }).stdout.trim(), "");
  t.true((await readFile(join(out, "timeline.csv"), "utf8")).startsWith("t,load,cpu"), "what was sampled is kept");
});
