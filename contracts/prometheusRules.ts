/**
 * The scaling alerts as a Prometheus rule file, rendered from the same spec as the Grafana rule group, so
 * the local rehearsal alerts on exactly what the cloud does.
 */
import type { ScalingAlertSpec, ScalingRule } from "./alertRules.js";

/** The annotation the scaler reads the pool's CPU from in Alertmanager payloads. */
export const VALUE_ANNOTATION = "value";

/** A YAML double-quoted scalar (JSON string syntax is valid YAML). */
function q(text: string): string {
  return JSON.stringify(text);
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function duration(name: string, value: number): string {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number of seconds >= 0, got ${value}`);
  }
  return `${value}s`;
}

/** The alert condition: the spec's query compared with the threshold. */
export function ruleExpression(cpuQuery: string, rule: Pick<ScalingRule, "comparison" | "thresholdPercent">): string {
  if (!Number.isFinite(rule.thresholdPercent)) {
    throw new RangeError(`threshold must be a finite number, got ${rule.thresholdPercent}`);
  }
  return `(${cpuQuery}) ${rule.comparison} ${rule.thresholdPercent}`;
}

function renderRule(spec: ScalingAlertSpec, rule: ScalingRule): string[] {
  if (!LABEL_NAME.test(rule.name)) {
    throw new RangeError(`alert name ${JSON.stringify(rule.name)} is not a valid Prometheus name`);
  }
  const labels = Object.keys(rule.labels)
    .sort()
    .map((name) => {
      if (!LABEL_NAME.test(name)) throw new RangeError(`label name ${JSON.stringify(name)} of ${rule.name} is not valid`);
      return `          ${name}: ${q(rule.labels[name])}`;
    });
  return [
    `      - alert: ${q(rule.name)}`,
    `        expr: ${q(ruleExpression(spec.cpuQuery, rule))}`,
    `        for: ${duration(`${rule.name} pendingSeconds`, rule.pendingSeconds)}`,
    ...(labels.length > 0 ? ["        labels:", ...labels] : []),
    "        annotations:",
    `          summary: ${q(rule.summary)}`,
    // The query's value when the alert fired: the pool's average CPU in percent.
    `          ${VALUE_ANNOTATION}: ${q("{{ $value }}")}`,
  ];
}

/** One rule group, `spec.group`, evaluated every `spec.evaluationSeconds`, one alerting rule per spec rule. */
export function renderPrometheusRules(spec: ScalingAlertSpec): string {
  const interval = duration("evaluationSeconds", spec.evaluationSeconds);
  if (spec.evaluationSeconds === 0) {
    throw new RangeError("evaluationSeconds must be positive");
  }
  return [
    "# exoscale-autoscaler scaling alerts (rendered from the shared alert spec).",
    "groups:",
    `  - name: ${q(spec.group)}`,
    `    interval: ${interval}`,
    "    rules:",
    ...spec.rules.flatMap((rule) => renderRule(spec, rule)),
    "",
  ].join("\n");
}
