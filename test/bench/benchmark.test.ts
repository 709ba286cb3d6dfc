import test from "ava";
import { benchDocument } from "../../bench/main.js";
import { renderServiceMarkdown } from "../../bench/services.js";
import { METRIC_KEYS } from "../../bench/metrics.js";
import { chartSpec, checkTargets, policies, renderMarkdown, runPolicyBenchmark, scalerDefaults } from "../../bench/policyBenchmark.js";
import { buildWorkloads, WORKLOAD_NAMES, WORKLOADS } from "../../bench/workloads.js";
import { COURSE_POLICY } from "../../services/scaler/policy/options.js";

const result = runPolicyBenchmark();

test("the workloads are deterministic: the seeded noise is the same on every build", (t) => {
  t.deepEqual(buildWorkloads(), buildWorkloads());
  t.deepEqual(buildWorkloads(), WORKLOADS);
});

test("the benchmark is deterministic: two runs are equal", (t) => {
  const again = runPolicyBenchmark();
  t.deepEqual(again, result);
  t.is(renderMarkdown(again), renderMarkdown(result));
});

test("the JSON document has exactly the contract's keys", (t) => {
  const doc = JSON.parse(JSON.stringify(benchDocument(result, { webhookRps: 1 }))) as Record<string, unknown>;
  t.deepEqual(Object.keys(doc).sort(), ["services", "workloads"]);
  t.deepEqual(doc["services"], { webhookRps: 1 });
  const workloads = doc["workloads"] as Record<string, Record<string, Record<string, unknown>>>;
  t.deepEqual(Object.keys(workloads), [...WORKLOAD_NAMES]);
  const required = METRIC_KEYS.filter((k) => k !== "reactionSeconds");
  for (const [workload, rows] of Object.entries(workloads)) {
    for (const policy of ["baseline", "default", "hpa", "oracle"]) t.truthy(rows[policy], `${workload} ${policy}`);
    for (const [policy, metrics] of Object.entries(rows)) {
      const expected = workload === "step" ? [...required, "reactionSeconds"] : required;
      t.deepEqual(Object.keys(metrics).sort(), [...expected].sort(), `${workload} ${policy}`);
      t.true(
        Object.values(metrics).every((v) => typeof v === "number" && Number.isFinite(v)),
        `${workload} ${policy}`,
      );
    }
  }
});

test("baseline is the course assignment and default is whatever the scaler's config defaults are", (t) => {
  const all = policies();
  t.deepEqual(all["baseline"], { kind: "scaler", options: COURSE_POLICY, tickSeconds: 60 });
  t.deepEqual(all["default"], { kind: "scaler", options: scalerDefaults().policy, tickSeconds: scalerDefaults().tickSeconds });
});

test("the markdown report has a table per workload and the targets table", (t) => {
  const md = renderMarkdown(result);
  for (const w of WORKLOAD_NAMES) t.regex(md, new RegExp(`^### ${w}:`, "m"));
  t.regex(md, /^### targets/m);
  t.is(checkTargets(result).length, Object.keys(policies()).length - 1);
});

test("the chart spec has a members panel and a CPU panel for the step workload", (t) => {
  const spec = chartSpec("step", ["baseline", "oracle"]);
  const panels = spec["vconcat"] as Array<Record<string, unknown>>;
  t.is(panels.length, 2);
  const values = (panels[0]!["data"] as { values: Array<{ policy: string }> }).values;
  t.deepEqual([...new Set(values.map((v) => v.policy))], ["baseline", "oracle"]);
});

test("the services table sets each measure beside its target and says whether it is met", (t) => {
  const md = renderServiceMarkdown({
    webhookRps: 6000,
    webhookP99Ms: 25,
    scalerRssMb: 90.5,
    sdAgentRssMb: 60,
    bundleBytes: { "sd-agent": 250_000, scaler: 2 * 1024 * 1024, "grafana-provisioner": 80_000 },
  });
  t.true(md.includes("| webhook requests/s | 6000 | ≥ 5000 | yes |"), md);
  t.true(md.includes("| webhook p99 latency, ms | 25 | ≤ 20 | no |"), md);
  t.true(md.includes("| scaler resident memory, MB | 90.5 | ≤ 80 | no |"), md);
  t.true(md.includes("| SD agent resident memory, MB | 60 | ≤ 80 | yes |"), md);
  t.true(md.includes("| bundle scaler.cjs, MB | 2.00 | ≤ 1.50 | no |"), md);
  t.true(md.includes("| bundle sd-agent.cjs, MB | 0.24 | ≤ 1.50 | yes |"), md);
});
