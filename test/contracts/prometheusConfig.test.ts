import test from "ava";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { POOL_JOB, scalingAlertSpec } from "../../contracts/alertRules.js";
import { HOST_LAYOUT } from "../../contracts/hostLayout.js";
import { PORTS } from "../../contracts/ports.js";
import { PROMETHEUS_JOBS, renderPrometheusConfig } from "../../contracts/prometheusConfig.js";
import { renderPrometheusRules } from "../../contracts/prometheusRules.js";
import { tempDir } from "../helpers/fs.js";
import { requireTool } from "../helpers/tools.js";

const run = promisify(execFile);

interface ScrapeConfig {
  job_name: string;
  file_sd_configs?: { files: string[]; refresh_interval?: string }[];
  static_configs?: { targets: string[] }[];
}

interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files?: string[];
  alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: ScrapeConfig[];
}

function parsed(text: string = renderPrometheusConfig()): PrometheusConfig {
  return parse(text) as PrometheusConfig;
}

function job(config: PrometheusConfig, name: string): ScrapeConfig {
  const found = config.scrape_configs.find((c) => c.job_name === name);
  if (!found) throw new Error(`no job ${name}`);
  return found;
}

/** Writes `text` as prometheus.yml (and, unless told otherwise, an empty SD file it points at) and runs promtool. */
async function promtoolCheck(t: Parameters<typeof tempDir>[0], text: (dir: string) => string, sdFileContent: string | undefined = "[]\n") {
  const dir = await tempDir(t, "prometheus-config-");
  if (sdFileContent !== undefined) await writeFile(join(dir, "config.json"), sdFileContent);
  const file = join(dir, "prometheus.yml");
  await writeFile(file, text(dir));
  return run("promtool", ["check", "config", file]);
}

test("global scrape and evaluation intervals are 15 s", (t) => {
  t.deepEqual(parsed().global, { scrape_interval: "15s", evaluation_interval: "15s" });
  t.deepEqual(parsed(renderPrometheusConfig({ scrapeIntervalSeconds: 5, evaluationIntervalSeconds: 30 })).global, {
    scrape_interval: "5s",
    evaluation_interval: "30s",
  });
});

test("every job is there, each once", (t) => {
  const names = parsed().scrape_configs.map((c) => c.job_name);
  t.deepEqual(names.slice().sort(), ["monitoring-host", "pool", "prometheus", "scaler", "sd-agent"]);
  t.is(new Set(names).size, names.length);
  t.is(PROMETHEUS_JOBS.pool, POOL_JOB, "the alert query's job");
});

test("the pool job is the only one reading the SD file, so the pool average never includes the monitoring host", (t) => {
  const config = parsed();
  const pool = job(config, POOL_JOB);
  t.deepEqual(pool.file_sd_configs, [{ files: [HOST_LAYOUT.sdFile], refresh_interval: "10s" }]);
  t.is(pool.static_configs, undefined, "no fixed pool targets");
  for (const other of config.scrape_configs.filter((c) => c.job_name !== POOL_JOB)) {
    t.is(other.file_sd_configs, undefined, `${other.job_name} reads no SD file`);
    t.is(other.static_configs?.length, 1, other.job_name);
  }
  // The monitoring host's own node_exporter is scraped, under its own job.
  t.deepEqual(job(config, PROMETHEUS_JOBS.monitoringHost).static_configs, [{ targets: [`127.0.0.1:${PORTS.nodeExporter}`] }]);
});

test("the host's own services are scraped on loopback at their ports", (t) => {
  const config = parsed();
  const targets = (name: string) => job(config, name).static_configs?.[0].targets;
  t.deepEqual(targets("prometheus"), [`127.0.0.1:${PORTS.prometheus}`]);
  t.deepEqual(targets("sd-agent"), [`127.0.0.1:${PORTS.sdAgentMetrics}`]);
  t.deepEqual(targets("scaler"), [`127.0.0.1:${PORTS.scaler}`]);
});

test("options replace the SD file, its refresh, the targets, and add rule files and Alertmanagers", (t) => {
  const config = parsed(
    renderPrometheusConfig({
      sdFile: "/tmp/sd/targets.json",
      sdRefreshSeconds: 2,
      scalerTarget: "127.0.0.1:18090",
      sdAgentTarget: "localhost:19101",
      hostNodeExporterTarget: "[::1]:19100",
      prometheusTarget: "127.0.0.1:19090",
      ruleFiles: ["/tmp/rules/scaling.yml"],
      alertmanagers: ["127.0.0.1:9093"],
    }),
  );
  t.deepEqual(job(config, "pool").file_sd_configs, [{ files: ["/tmp/sd/targets.json"], refresh_interval: "2s" }]);
  t.deepEqual(job(config, "scaler").static_configs, [{ targets: ["127.0.0.1:18090"] }]);
  t.deepEqual(job(config, "sd-agent").static_configs, [{ targets: ["localhost:19101"] }]);
  t.deepEqual(job(config, "monitoring-host").static_configs, [{ targets: ["[::1]:19100"] }]);
  t.deepEqual(job(config, "prometheus").static_configs, [{ targets: ["127.0.0.1:19090"] }]);
  t.deepEqual(config.rule_files, ["/tmp/rules/scaling.yml"]);
  t.deepEqual(config.alerting, { alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:9093"] }] }] });
  t.is(parsed().rule_files, undefined, "no rule files by default");
  t.is(parsed().alerting, undefined, "no Alertmanager by default");
});

test("refuses values that would make a broken or surprising file", (t) => {
  for (const options of [
    { scrapeIntervalSeconds: 0 },
    { evaluationIntervalSeconds: 1.5 },
    { sdRefreshSeconds: -1 },
    { sdFile: "relative/config.json" },
    { scalerTarget: "http://127.0.0.1:8090" },
    { sdAgentTarget: "127.0.0.1" },
    { prometheusTarget: "127.0.0.1:99999" },
    { ruleFiles: ["rules.yml"] },
    { alertmanagers: ["127.0.0.1:9093/path"] },
  ]) {
    t.throws(() => renderPrometheusConfig(options), { instanceOf: RangeError }, JSON.stringify(options));
  }
});

test("is deterministic", (t) => {
  t.is(renderPrometheusConfig(), renderPrometheusConfig());
});

test("promtool check config accepts the deployed file (the SD file exists or not yet)", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  const withSdFile = await promtoolCheck(t, (dir) => renderPrometheusConfig({ sdFile: join(dir, "config.json") }));
  t.regex(withSdFile.stdout, /SUCCESS/);
  // Before the SD agent's first write the file is missing: promtool only warns, so the host check passes.
  const withoutSdFile = await promtoolCheck(t, (dir) => renderPrometheusConfig({ sdFile: join(dir, "config.json") }), undefined);
  t.regex(withoutSdFile.stdout, /SUCCESS/);
  const deployed = await promtoolCheck(t, () => renderPrometheusConfig(), undefined);
  t.regex(deployed.stdout, /SUCCESS/);
});

test("promtool check config accepts our rule file and an Alertmanager (rule files must exist and parse)", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  const rules = renderPrometheusRules(scalingAlertSpec({ upCpuPercent: 80, downCpuPercent: 20 }));
  const result = await promtoolCheck(t, (dir) => {
    const ruleFile = join(dir, "scaling.rules.yml");
    writeFileSync(ruleFile, rules);
    return renderPrometheusConfig({ sdFile: join(dir, "config.json"), ruleFiles: [ruleFile], alertmanagers: ["127.0.0.1:9093"] });
  });
  t.regex(result.stdout, /SUCCESS: 2 rules found/);
  t.regex(result.stdout, /SUCCESS/);
  await t.throwsAsync(promtoolCheck(t, (dir) => renderPrometheusConfig({ ruleFiles: [join(dir, "missing.yml")] })));
});

test("promtool check config is strict enough to catch a broken file", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  await t.throwsAsync(
    promtoolCheck(t, (dir) => renderPrometheusConfig({ sdFile: join(dir, "config.json") }).replace("file_sd_configs", "file_sd_config")),
  );
  await t.throwsAsync(promtoolCheck(t, (dir) => renderPrometheusConfig({ sdFile: join(dir, "config.json") }), "not json"));
});
