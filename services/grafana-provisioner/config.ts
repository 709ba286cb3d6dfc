/** The provisioner's configuration, read from the environment and validated before any request (pure). */
import { scalingAlertSpec, type ScalingAlertSpec } from "../../contracts/alertRules.js";
import { DEFAULT_CPU_VALUE_REF, cpuValueRefProblem, evaluationIntervalProblem } from "../../contracts/grafana.js";
import { PORTS } from "../../contracts/ports.js";
import { EnvReader } from "../../lib/shared/env.js";

export interface ProvisionerConfig {
  grafanaUrl: string;
  grafanaUser: string;
  grafanaPassword: string;
  prometheusUrl: string;
  scalerUrl: string;
  /** The scaler's WEBHOOK_TOKEN, sent by the contact point as a Bearer credential. */
  webhookToken?: string;
  /** How long to wait for Grafana's /api/health to report its database ok. */
  waitMs: number;
  /** The rule's reduce refId: the key the scaler reads the CPU value from (its CPU_VALUE_REF). */
  cpuValueRef: string;
  /** The alert rules: query, thresholds, pending period, evaluation interval, labels. */
  spec: ScalingAlertSpec;
}

export const DEFAULTS = {
  grafanaUrl: `http://127.0.0.1:${PORTS.grafana}`,
  grafanaUser: "admin",
  prometheusUrl: `http://127.0.0.1:${PORTS.prometheus}`,
  scalerUrl: `http://127.0.0.1:${PORTS.scaler}`,
  scaleUpCpu: 80,
  scaleDownCpu: 20,
  waitSeconds: 120,
  pendingSeconds: 60,
  evaluationSeconds: 60,
} as const;

/** Throws ConfigError listing every problem. */
export function readProvisionerConfig(env: Readonly<Record<string, string | undefined>>): ProvisionerConfig {
  const read = new EnvReader(env);
  const grafanaUrl = read.optionalUrl("GRAFANA_URL") ?? DEFAULTS.grafanaUrl;
  const grafanaUser = read.string("GRAFANA_USER", DEFAULTS.grafanaUser);
  const grafanaPassword = read.requiredString(
    "GRAFANA_PASSWORD",
    "Grafana's admin password, as given to Grafana in GF_SECURITY_ADMIN_PASSWORD",
  );
  const prometheusUrl = read.optionalUrl("PROMETHEUS_URL") ?? DEFAULTS.prometheusUrl;
  const scalerUrl = read.optionalUrl("SCALER_URL") ?? DEFAULTS.scalerUrl;
  const webhookToken = read.optionalString("WEBHOOK_TOKEN");
  // The token becomes an HTTP header value: a line break would split the header.
  if (webhookToken !== undefined && [...webhookToken].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f)) {
    read.problem("WEBHOOK_TOKEN must not contain spaces or control characters (it is sent as an Authorization header)");
  }
  const up = read.number("SCALE_UP_CPU", { default: DEFAULTS.scaleUpCpu, min: 1, max: 99 });
  const down = read.number("SCALE_DOWN_CPU", { default: DEFAULTS.scaleDownCpu, min: 1, max: 99 });
  if (Number.isFinite(up) && Number.isFinite(down) && down >= up) {
    read.problem(`SCALE_DOWN_CPU (${down}) must be below SCALE_UP_CPU (${up})`);
  }
  const waitSeconds = read.int("GRAFANA_WAIT_SECONDS", { default: DEFAULTS.waitSeconds, min: 0, max: 3600 });
  const cpuValueRef = read.string("CPU_VALUE_REF", DEFAULT_CPU_VALUE_REF);
  const refProblem = cpuValueRefProblem(cpuValueRef);
  if (refProblem !== undefined) read.problem(`CPU_VALUE_REF ${refProblem}`);
  const pendingSeconds = read.int("RULE_PENDING_SECONDS", { default: DEFAULTS.pendingSeconds, min: 0, max: 86400 });
  const evaluationSeconds = read.int("RULE_EVALUATION_SECONDS", { default: DEFAULTS.evaluationSeconds, min: 10, max: 60 });
  const intervalProblem = Number.isInteger(evaluationSeconds) ? evaluationIntervalProblem(evaluationSeconds) : undefined;
  if (intervalProblem !== undefined && evaluationSeconds >= 10 && evaluationSeconds <= 60) {
    read.problem(`RULE_EVALUATION_SECONDS ${intervalProblem}`);
  }
  read.finish();
  return {
    grafanaUrl,
    grafanaUser,
    grafanaPassword,
    prometheusUrl,
    scalerUrl,
    ...(webhookToken !== undefined ? { webhookToken } : {}),
    waitMs: waitSeconds * 1000,
    cpuValueRef,
    spec: scalingAlertSpec({ upCpuPercent: up, downCpuPercent: down, pendingSeconds, evaluationSeconds }),
  };
}
