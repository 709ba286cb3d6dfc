import test from "ava";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { POOL_JOB, scalingAlertSpec, type ScalingAlertSpec } from "../../contracts/alertRules.js";
import { PROMETHEUS_JOBS } from "../../contracts/prometheusConfig.js";
import { renderPrometheusRules, ruleExpression, VALUE_ANNOTATION } from "../../contracts/prometheusRules.js";
import { tempDir } from "../helpers/fs.js";
import { requireTool } from "../helpers/tools.js";

const run = promisify(execFile);

interface RuleFile {
  groups: {
    name: string;
    interval: string;
    rules: { alert: string; expr: string; for: string; labels?: Record<string, string>; annotations: Record<string, string> }[];
  }[];
}

const deployedSpec = scalingAlertSpec({ upCpuPercent: 80, downCpuPercent: 20 });

/** Compressed timings for promtool's unit tests: 15 s evaluations, a 60 s pending period and rate window. */
const testSpec = scalingAlertSpec({
  upCpuPercent: 80,
  downCpuPercent: 20,
  pendingSeconds: 60,
  evaluationSeconds: 15,
  rateWindowSeconds: 60,
});

test("one group with one alerting rule per spec rule: query vs threshold, for, labels, summary and value", (t) => {
  const file = parse(renderPrometheusRules(deployedSpec)) as RuleFile;
  t.is(file.groups.length, 1);
  const [group] = file.groups;
  t.is(group.name, deployedSpec.group);
  t.is(group.interval, "60s");
  t.is((parse(renderPrometheusRules(testSpec)) as RuleFile).groups[0].interval, "15s", "the spec's evaluation interval");
  t.deepEqual(
    group.rules.map((r) => r.alert),
    ["PoolCpuHigh", "PoolCpuLow"],
  );
  const [high, low] = group.rules;
  t.is(high.expr, `(${deployedSpec.cpuQuery}) > 80`);
  t.is(low.expr, `(${deployedSpec.cpuQuery}) < 20`);
  for (const rule of group.rules) {
    t.is(rule.for, "60s", rule.alert);
    t.is(rule.annotations[VALUE_ANNOTATION], "{{ $value }}", "the scaler reads the CPU from this annotation");
  }
  t.deepEqual(high.labels, { scale: "up" });
  t.deepEqual(low.labels, { scale: "down" });
  t.is(high.annotations.summary, deployedSpec.rules[0].summary);
  t.is(low.annotations.summary, deployedSpec.rules[1].summary);
});

test("the expression keeps the query whole before comparing", (t) => {
  t.is(ruleExpression("a or b", { comparison: ">", thresholdPercent: 80 }), "(a or b) > 80");
  t.is(ruleExpression("x", { comparison: "<", thresholdPercent: 12.5 }), "(x) < 12.5");
  t.throws(() => ruleExpression("x", { comparison: ">", thresholdPercent: Number.NaN }), { instanceOf: RangeError });
});

test("refuses specs that would render an invalid file", (t) => {
  const broken: ScalingAlertSpec[] = [
    { ...deployedSpec, evaluationSeconds: 0 },
    { ...deployedSpec, evaluationSeconds: 1.5 },
    { ...deployedSpec, rules: [{ ...deployedSpec.rules[0], pendingSeconds: -1 }] },
    { ...deployedSpec, rules: [{ ...deployedSpec.rules[0], name: "Pool CPU" }] },
    { ...deployedSpec, rules: [{ ...deployedSpec.rules[0], labels: { "scale-dir": "up" } }] },
  ];
  for (const spec of broken) t.throws(() => renderPrometheusRules(spec), { instanceOf: RangeError });
});

test("promtool check rules accepts the deployed and the compressed rule files", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  const dir = await tempDir(t, "prometheus-rules-");
  for (const [name, spec] of [
    ["deployed.yml", deployedSpec],
    ["compressed.yml", testSpec],
  ] as const) {
    const file = join(dir, name);
    await writeFile(file, renderPrometheusRules(spec));
    const { stdout } = await run("promtool", ["check", "rules", file]);
    t.regex(stdout, /SUCCESS: 2 rules found/);
  }
  const broken = join(dir, "broken.yml");
  await writeFile(broken, renderPrometheusRules(deployedSpec).replace("avg(", "avg(("));
  await t.throwsAsync(run("promtool", ["check", "rules", broken]));
});

/** Counter series of one member's single CPU: idle and user seconds growing by these amounts every 15 s. */
function cpuSeries(job: string, instance: string, idlePer15s: number, userPer15s: number) {
  const labels = (mode: string) => `node_cpu_seconds_total{job="${job}",instance="${instance}",cpu="0",mode="${mode}"}`;
  return [
    { series: labels("idle"), values: `0+${idlePer15s}x40` },
    { series: labels("user"), values: `0+${userPer15s}x40` },
  ];
}

const HIGH_SUMMARY = testSpec.rules[0].summary;
const LOW_SUMMARY = testSpec.rules[1].summary;

/**
 * promtool's unit tests, on our rendered rules: the course's check query per member, averaged over the
 * pool job only. Busy shares are multiples of 1/16 so the averages print exactly (87.5, 12.5).
 */
const unitTests = {
  evaluation_interval: "15s",
  tests: [
    {
      name: "two busy members (93.75 % and 81.25 %): PoolCpuHigh fires after the pending period",
      interval: "15s",
      input_series: [...cpuSeries(POOL_JOB, "10.0.0.1:9100", 0.9375, 14.0625), ...cpuSeries(POOL_JOB, "10.0.0.2:9100", 2.8125, 12.1875)],
      alert_rule_test: [
        { eval_time: "1m", alertname: "PoolCpuHigh", exp_alerts: [] },
        {
          eval_time: "90s",
          alertname: "PoolCpuHigh",
          exp_alerts: [{ exp_labels: { scale: "up" }, exp_annotations: { summary: HIGH_SUMMARY, value: "87.5" } }],
        },
        { eval_time: "5m", alertname: "PoolCpuLow", exp_alerts: [] },
      ],
    },
    {
      name: "two idle members (6.25 % and 18.75 %) beside a busy monitoring host: PoolCpuLow fires, on the pool alone",
      interval: "15s",
      input_series: [
        ...cpuSeries(POOL_JOB, "10.0.0.1:9100", 14.0625, 0.9375),
        ...cpuSeries(POOL_JOB, "10.0.0.2:9100", 12.1875, 2.8125),
        ...cpuSeries(PROMETHEUS_JOBS.monitoringHost, "127.0.0.1:9100", 0, 15),
      ],
      alert_rule_test: [
        { eval_time: "1m", alertname: "PoolCpuLow", exp_alerts: [] },
        {
          eval_time: "90s",
          alertname: "PoolCpuLow",
          exp_alerts: [{ exp_labels: { scale: "down" }, exp_annotations: { summary: LOW_SUMMARY, value: "12.5" } }],
        },
        { eval_time: "5m", alertname: "PoolCpuHigh", exp_alerts: [] },
      ],
    },
    {
      name: "no pool series at all (only the monitoring host's, fully busy): nothing fires",
      interval: "15s",
      input_series: cpuSeries(PROMETHEUS_JOBS.monitoringHost, "127.0.0.1:9100", 0, 15),
      alert_rule_test: [
        { eval_time: "5m", alertname: "PoolCpuHigh", exp_alerts: [] },
        { eval_time: "5m", alertname: "PoolCpuLow", exp_alerts: [] },
      ],
    },
    {
      name: "a pool between the thresholds (50 %): nothing fires",
      interval: "15s",
      input_series: [...cpuSeries(POOL_JOB, "10.0.0.1:9100", 7.5, 7.5)],
      alert_rule_test: [
        { eval_time: "5m", alertname: "PoolCpuHigh", exp_alerts: [] },
        { eval_time: "5m", alertname: "PoolCpuLow", exp_alerts: [] },
      ],
    },
  ],
};

async function promtoolTestRules(t: Parameters<typeof tempDir>[0], rules: string) {
  const dir = await tempDir(t, "prometheus-rules-");
  await writeFile(join(dir, "rules.yml"), rules);
  await writeFile(join(dir, "tests.yml"), stringify({ rule_files: ["rules.yml"], ...unitTests }));
  return run("promtool", ["test", "rules", join(dir, "tests.yml")]);
}

test("promtool test rules: high, low, none, and the monitoring host never counts", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  const { stdout } = await promtoolTestRules(t, renderPrometheusRules(testSpec));
  t.regex(stdout, /SUCCESS/);
});

test("promtool test rules notices when the pending period is lost", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  await t.throwsAsync(
    promtoolTestRules(t, renderPrometheusRules({ ...testSpec, rules: testSpec.rules.map((r) => ({ ...r, pendingSeconds: 0 })) })),
  );
});

test("promtool test rules notices a query that also averages the monitoring host", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  const allJobs = testSpec.cpuQuery.replaceAll(`job="${POOL_JOB}",`, "").replaceAll(`{job="${POOL_JOB}"}`, "");
  t.notRegex(allJobs, /job=/);
  await t.throwsAsync(promtoolTestRules(t, renderPrometheusRules({ ...testSpec, cpuQuery: allJobs })));
});
