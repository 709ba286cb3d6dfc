/**
 * The monitoring host's prometheus.yml. The pool members come only from the SD agent's file_sd file, under
 * their own job, so the pool's average CPU (alertRules.ts) never includes the monitoring host itself.
 */
import { POOL_JOB } from "./alertRules.js";
import { HOST_LAYOUT } from "./hostLayout.js";
import { PORTS } from "./ports.js";

/** Scrape job names: the alert query selects `job="pool"`; the others are the host's own processes. */
export const PROMETHEUS_JOBS = {
  pool: POOL_JOB,
  prometheus: "prometheus",
  sdAgent: "sd-agent",
  scaler: "scaler",
  /** The monitoring host's own node_exporter: a job apart, so it never counts as a pool member. */
  monitoringHost: "monitoring-host",
} as const;

export interface PrometheusConfigOptions {
  /** Default 15. */
  scrapeIntervalSeconds?: number;
  /** Default 15. */
  evaluationIntervalSeconds?: number;
  /** The SD agent's file_sd file; default HOST_LAYOUT.sdFile. */
  sdFile?: string;
  /** How often Prometheus re-reads the file when no change notification arrives; default 10. */
  sdRefreshSeconds?: number;
  /** host:port targets; defaults are the loopback ports in PORTS. */
  scalerTarget?: string;
  sdAgentTarget?: string;
  hostNodeExporterTarget?: string;
  prometheusTarget?: string;
  /** Absolute paths of rule files (none by default: the deployment alerts from Grafana). */
  ruleFiles?: string[];
  /** host:port of Alertmanagers to send alerts to (none by default). */
  alertmanagers?: string[];
}

/** A YAML double-quoted scalar: JSON string syntax is valid YAML and escapes everything that needs it. */
function q(text: string): string {
  return JSON.stringify(text);
}

function seconds(name: string, value: number): string {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number of seconds, got ${value}`);
  }
  return `${value}s`;
}

/** host:port, host:port with an IPv6 host in brackets; no scheme, no path. */
const TARGET = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):[0-9]{1,5}$/;

function target(name: string, value: string): string {
  if (!TARGET.test(value) || Number(value.slice(value.lastIndexOf(":") + 1)) > 65535) {
    throw new RangeError(`${name} must be host:port, got ${JSON.stringify(value)}`);
  }
  return value;
}

function absolutePath(name: string, value: string): string {
  if (!value.startsWith("/") || /[\n\r\0]/.test(value)) {
    throw new RangeError(`${name} must be an absolute path, got ${JSON.stringify(value)}`);
  }
  return value;
}

function staticJob(job: string, address: string): string[] {
  return [`  - job_name: ${q(job)}`, "    static_configs:", `      - targets: [${q(address)}]`];
}

export function renderPrometheusConfig(o: PrometheusConfigOptions = {}): string {
  const scrape = seconds("scrapeIntervalSeconds", o.scrapeIntervalSeconds ?? 15);
  const evaluation = seconds("evaluationIntervalSeconds", o.evaluationIntervalSeconds ?? 15);
  const refresh = seconds("sdRefreshSeconds", o.sdRefreshSeconds ?? 10);
  const sdFile = absolutePath("sdFile", o.sdFile ?? HOST_LAYOUT.sdFile);
  const ruleFiles = (o.ruleFiles ?? []).map((file) => absolutePath("ruleFiles", file));
  const alertmanagers = (o.alertmanagers ?? []).map((address) => target("alertmanagers", address));
  const loopback = (port: number): string => `127.0.0.1:${port}`;

  const lines = [
    "# exoscale-autoscaler monitoring host: pool members from the SD agent, plus the host's own services.",
    "global:",
    `  scrape_interval: ${scrape}`,
    `  evaluation_interval: ${evaluation}`,
  ];
  if (ruleFiles.length > 0) {
    lines.push("rule_files:", ...ruleFiles.map((file) => `  - ${q(file)}`));
  }
  if (alertmanagers.length > 0) {
    lines.push("alerting:", "  alertmanagers:", "    - static_configs:", `        - targets: [${alertmanagers.map(q).join(", ")}]`);
  }
  lines.push(
    "scrape_configs:",
    // Prometheus watches the file for changes; refresh_interval is the fallback re-read.
    `  - job_name: ${q(PROMETHEUS_JOBS.pool)}`,
    "    file_sd_configs:",
    `      - files: [${q(sdFile)}]`,
    `        refresh_interval: ${refresh}`,
    ...staticJob(PROMETHEUS_JOBS.prometheus, target("prometheusTarget", o.prometheusTarget ?? loopback(PORTS.prometheus))),
    ...staticJob(PROMETHEUS_JOBS.sdAgent, target("sdAgentTarget", o.sdAgentTarget ?? loopback(PORTS.sdAgentMetrics))),
    ...staticJob(PROMETHEUS_JOBS.scaler, target("scalerTarget", o.scalerTarget ?? loopback(PORTS.scaler))),
    ...staticJob(
      PROMETHEUS_JOBS.monitoringHost,
      target("hostNodeExporterTarget", o.hostNodeExporterTarget ?? loopback(PORTS.nodeExporter)),
    ),
    "",
  );
  return lines.join("\n");
}
