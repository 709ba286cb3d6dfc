/**
 * The policy benchmark: every policy over every workload through the simulated loop (simulation.ts),
 * with the scaler's real decide() for ours. Pure and deterministic: nothing is read or written here.
 */
import { scalingAlertSpec } from "../contracts/alertRules.js";
import { grafanaRoute } from "../contracts/grafana.js";
import { DEFAULTS as PROVISIONER_DEFAULTS } from "../services/grafana-provisioner/config.js";
import { readScalerConfig } from "../services/scaler/config.js";
import { COURSE_POLICY, TUNED_POLICY, type PolicyOptions } from "../services/scaler/policy/options.js";
import { measure, type Metrics } from "./metrics.js";
import { parseDurationSeconds, simulate, type PolicySpec, type RunResult, type SimulationSettings } from "./simulation.js";
import { WORKLOAD_NAMES, WORKLOADS, type WorkloadName } from "./workloads.js";

/** A minimal valid scaler environment: everything else takes the scaler's own defaults. */
const MINIMAL_SCALER_ENV = {
  EXOSCALE_KEY: "EXObench",
  EXOSCALE_SECRET: "bench",
  EXOSCALE_ZONE: "at-vie-1",
  EXOSCALE_INSTANCEPOOL_ID: "00000000-0000-4000-8000-000000000000",
};

/** The scaler as it runs with no setting changed (readScalerConfig's defaults): a default change shows up here. */
export function scalerDefaults(): { policy: PolicyOptions; tickSeconds: number; signalTtlSeconds: number } {
  const config = readScalerConfig(MINIMAL_SCALER_ENV);
  return { policy: config.policy, tickSeconds: config.tickMs / 1000, signalTtlSeconds: config.signalTtlMs / 1000 };
}

/**
 * The deployed values, read from where the deployment takes them: the provisioner's rule defaults, the
 * alert spec's query (rate window), the notification route we provision, the scaler's config defaults.
 * Not deployed settings, so chosen here: boot 120 s (1–3 min for cloud-init to start the app), an
 * operation time of 15 s, Prometheus's 15 s scrape interval (contracts/prometheusConfig.ts), the HPA's
 * defaults (reference §1.1) with the target at 72 % (see HPA_TARGET_CPU).
 */
export function deployedSettings(): SimulationSettings {
  const spec = scalingAlertSpec({
    upCpuPercent: PROVISIONER_DEFAULTS.scaleUpCpu,
    downCpuPercent: PROVISIONER_DEFAULTS.scaleDownCpu,
    pendingSeconds: PROVISIONER_DEFAULTS.pendingSeconds,
    evaluationSeconds: PROVISIONER_DEFAULTS.evaluationSeconds,
  });
  const route = grafanaRoute(spec);
  const up = spec.rules.find((r) => r.direction === "up")!;
  const down = spec.rules.find((r) => r.direction === "down")!;
  const window = /\[(\d+)s\]/.exec(spec.cpuQuery);
  const scaler = scalerDefaults();
  return {
    bootSeconds: 120,
    bootSpreadSeconds: 0,
    operationSeconds: 15,
    scrapeIntervalSeconds: 15,
    rateWindowSeconds: window !== null ? Number(window[1]) : 60,
    evaluationIntervalSeconds: spec.evaluationSeconds,
    evaluationOffsetSeconds: 0,
    pendingSeconds: up.pendingSeconds,
    upCpu: up.thresholdPercent,
    downCpu: down.thresholdPercent,
    groupWaitSeconds: parseDurationSeconds(route.group_wait ?? "30s"),
    groupIntervalSeconds: parseDurationSeconds(route.group_interval ?? "5m"),
    repeatIntervalSeconds: parseDurationSeconds(route.repeat_interval ?? "4h"),
    sendResolved: true,
    tickSeconds: scaler.tickSeconds,
    // Grafana and the scaler are not synchronised: the scaler ticks half a period after the evaluation.
    tickOffsetSeconds: Math.floor(scaler.tickSeconds / 2),
    signalTtlSeconds: scaler.signalTtlSeconds,
    hpa: { targetCpu: HPA_TARGET_CPU, tolerance: 0.1, syncSeconds: 15, downscaleStabilizationSeconds: 300 },
  };
}

/**
 * The HPA's target for a fair comparison: the HPA acts only outside target × (1 ± 0.1), so with the
 * usual 80 % it would leave the pool at up to 88 % (over our up threshold) for ever. 72 % × 1.1 = 79.2 %
 * is the highest whole target whose band stays under the 80 % threshold.
 */
export const HPA_TARGET_CPU = 72;

export interface BenchmarkSettings {
  simulation?: Partial<SimulationSettings>;
  /** Which policies to run (default: all of POLICIES). */
  policies?: readonly string[];
  workloads?: readonly WorkloadName[];
  /**
   * The scaler's tick phases (s after each rule evaluation) the metrics are averaged over (default 0, 15,
   * 30, 45): Grafana and the scaler are not synchronised, and one phase alone can flatter or punish a
   * policy. HPA and oracle do not depend on it.
   */
  tickPhases?: readonly number[];
}

export const DEFAULT_TICK_PHASES: readonly number[] = [0, 15, 30, 45];

/** The mean of each metric over runs (reactionSeconds only where every run has it). */
export function meanMetrics(runs: readonly Metrics[]): Metrics {
  const mean = (pick: (m: Metrics) => number): number => Math.round((runs.reduce((sum, m) => sum + pick(m), 0) / runs.length) * 100) / 100;
  const metrics: Metrics = {
    overloadMinutes: mean((m) => m.overloadMinutes),
    instanceMinutes: mean((m) => m.instanceMinutes),
    adaptations: mean((m) => m.adaptations),
    underTimeshare: mean((m) => m.underTimeshare),
    overTimeshare: mean((m) => m.overTimeshare),
    underAccuracy: mean((m) => m.underAccuracy),
    overAccuracy: mean((m) => m.overAccuracy),
  };
  if (runs.every((m) => m.reactionSeconds !== undefined)) metrics.reactionSeconds = mean((m) => m.reactionSeconds!);
  return metrics;
}

const COURSE: PolicyOptions = COURSE_POLICY;
type ScalerSpec = Extract<PolicySpec, { kind: "scaler" }>;
const variant = (base: PolicyOptions, extra: Partial<PolicyOptions> = {}): ScalerSpec => ({
  kind: "scaler",
  options: { ...base, ...extra },
});
const WARM = { scaleUpWarmupMs: 180_000, scaleDownCooldownMs: 300_000 };
/**
 * Not a scaler setting: the alert chain at its fastest (no pending period, the group evaluated every 10 s,
 * notified at once and every 10 s, the scaler ticking every 10 s), to show what the webhook loop could do.
 */
export const FAST_CHAIN: Partial<SimulationSettings> = {
  pendingSeconds: 0,
  evaluationIntervalSeconds: 10,
  groupWaitSeconds: 0,
  groupIntervalSeconds: 10,
  repeatIntervalSeconds: 10,
  tickSeconds: 10,
  tickOffsetSeconds: 5,
};

/** The policies compared, by name. `default` is the scaler's own defaults, whatever they are today. */
export function policies(): Record<string, PolicySpec> {
  const scaler = scalerDefaults();
  return {
    baseline: { kind: "scaler", options: COURSE, tickSeconds: 60 },
    default: { kind: "scaler", options: scaler.policy, tickSeconds: scaler.tickSeconds },
    hpa: { kind: "hpa", minSize: COURSE.minSize, maxSize: COURSE.maxSize },
    oracle: { kind: "oracle", minSize: COURSE.minSize, maxSize: COURSE.maxSize },
    // Variants of the course's ±1, and the proportional mode at the settings it had before the benchmark.
    "step warm180 cool300": variant(COURSE, WARM),
    "step flapguard off": variant(COURSE, { flapGuard: false }),
    "prop t50 s3": variant(COURSE, { mode: "proportional", targetCpu: 50, maxStep: 3 }),
    // The default with one setting changed: how sensitive the choice is.
    "default TARGET_CPU=25": variant(TUNED_POLICY, { targetCpu: 25 }),
    "default TARGET_CPU=40": variant(TUNED_POLICY, { targetCpu: 40 }),
    "default SCALE_DOWN_TARGET_CPU=20": variant(TUNED_POLICY, { scaleDownTargetCpu: 20 }),
    "default no warm-up": variant(TUNED_POLICY, { scaleUpWarmupMs: 0 }),
    "default no cooldown": variant(TUNED_POLICY, { scaleDownCooldownMs: 0 }),
    // Not scaler settings: what the other targets would take.
    "default +down<55": { ...variant(TUNED_POLICY), simulation: { downCpu: 55 } },
    "default +down<55 +fast chain": { ...variant(TUNED_POLICY), simulation: { downCpu: 55, ...FAST_CHAIN } },
  };
}

export interface PolicyBenchmarkResult {
  workloads: Record<string, Record<string, Metrics>>;
}

function boundsOf(spec: PolicySpec): { minSize: number; maxSize: number } {
  return spec.kind === "scaler" ? spec.options : { minSize: spec.minSize ?? 1, maxSize: spec.maxSize ?? 10 };
}

/** One run, with its timeline (for the chart and the tests). */
export function runOne(workload: WorkloadName, policy: string, settings: BenchmarkSettings = {}): { run: RunResult; metrics: Metrics } {
  const spec = policies()[policy];
  if (spec === undefined) throw new RangeError(`unknown policy "${policy}"`);
  const simulation = { ...deployedSettings(), ...settings.simulation };
  const w = WORKLOADS[workload];
  const run = simulate(w, spec, simulation);
  const metrics = measure(run, {
    upCpu: simulation.upCpu,
    ...boundsOf(spec),
    ...(w.stepAtSeconds !== undefined ? { stepAtSeconds: w.stepAtSeconds } : {}),
  });
  return { run, metrics };
}

/** Every policy over every workload: `{ workloads: { <workload>: { <policy>: Metrics } } }`. Pure and deterministic. */
export function runPolicyBenchmark(settings: BenchmarkSettings = {}): PolicyBenchmarkResult {
  const names = settings.policies ?? Object.keys(policies());
  const workloads: PolicyBenchmarkResult["workloads"] = {};
  for (const workload of settings.workloads ?? WORKLOAD_NAMES) {
    workloads[workload] = {};
    for (const policy of names) {
      const kind = policies()[policy]?.kind;
      const phases = kind === "scaler" ? (settings.tickPhases ?? DEFAULT_TICK_PHASES) : [undefined];
      const runs = phases.map(
        (phase) =>
          runOne(
            workload,
            policy,
            phase === undefined ? settings : { ...settings, simulation: { ...settings.simulation, tickOffsetSeconds: phase } },
          ).metrics,
      );
      workloads[workload][policy] = meanMetrics(runs);
    }
  }
  return { workloads };
}

// --------------------------------------------------------------------------------------------------
// The targets for choosing the defaults (issue 12).

export interface TargetCheck {
  policy: string;
  /** overloadMinutes on step and spike ÷ the baseline's (target ≤ 1/3). */
  overloadVsBaseline: number;
  /** overloadMinutes on step and spike − the HPA's (target ≤ 0), the worse of the two. */
  overloadVsHpa: number;
  /** The highest instanceMinutes ÷ the oracle's over all workloads (target ≤ 1.2). */
  costVsOracle: number;
  /** The highest adaptations ÷ the HPA's over all workloads (target ≤ 2). */
  adaptationsVsHpa: number;
  meets: boolean;
}

const ratio = (a: number, b: number): number => (b === 0 ? (a === 0 ? 0 : Number.POSITIVE_INFINITY) : a / b);

export function checkTargets(result: PolicyBenchmarkResult): TargetCheck[] {
  const all = Object.values(result.workloads);
  const first = all[0];
  if (first === undefined) return [];
  return Object.keys(first)
    .filter((p) => p !== "oracle")
    .map((policy) => {
      const shock = ["step", "spike"].map((w) => result.workloads[w]).filter((r) => r !== undefined);
      const overloadVsBaseline = Math.max(...shock.map((r) => ratio(r[policy]!.overloadMinutes, r["baseline"]!.overloadMinutes)));
      const overloadVsHpa = Math.max(...shock.map((r) => r[policy]!.overloadMinutes - r["hpa"]!.overloadMinutes));
      const costVsOracle = Math.max(...all.map((r) => ratio(r[policy]!.instanceMinutes, r["oracle"]!.instanceMinutes)));
      const adaptationsVsHpa = Math.max(...all.map((r) => ratio(r[policy]!.adaptations, r["hpa"]!.adaptations)));
      const meets = overloadVsBaseline <= 1 / 3 && overloadVsHpa <= 0 && costVsOracle <= 1.2 && adaptationsVsHpa <= 2;
      return { policy, overloadVsBaseline, overloadVsHpa, costVsOracle, adaptationsVsHpa, meets };
    });
}

// --------------------------------------------------------------------------------------------------
// Rendering (pure: strings and specs; bench/main.ts writes them).

const fmt = (x: number | undefined): string => (x === undefined ? "" : Number.isInteger(x) ? String(x) : x.toFixed(2));

export function renderMarkdown(result: PolicyBenchmarkResult): string {
  const lines: string[] = [];
  for (const [workload, rows] of Object.entries(result.workloads)) {
    const hasReaction = Object.values(rows).some((m) => m.reactionSeconds !== undefined);
    lines.push(`### ${workload}: ${WORKLOADS[workload as WorkloadName]?.description ?? ""}`, "");
    lines.push(
      `| policy | overload min | instance-min | adaptations | τ_U % | τ_O % | θ_U % | θ_O % |${hasReaction ? " reaction s |" : ""}`,
      `|---|---:|---:|---:|---:|---:|---:|---:|${hasReaction ? "---:|" : ""}`,
    );
    for (const [policy, m] of Object.entries(rows)) {
      lines.push(
        `| ${policy} | ${fmt(m.overloadMinutes)} | ${fmt(m.instanceMinutes)} | ${m.adaptations} | ${fmt(m.underTimeshare)} | ${fmt(m.overTimeshare)} | ${fmt(m.underAccuracy)} | ${fmt(m.overAccuracy)} |${hasReaction ? ` ${fmt(m.reactionSeconds)} |` : ""}`,
      );
    }
    lines.push("");
  }
  const checks = checkTargets(result);
  if (checks.length > 0 && result.workloads["step"]?.["baseline"] !== undefined && result.workloads["step"]["hpa"] !== undefined) {
    lines.push("### targets", "");
    lines.push(
      "| policy | overload ÷ baseline (≤ 0.33) | overload − HPA, min (≤ 0) | instance-min ÷ oracle (≤ 1.2) | adaptations ÷ HPA (≤ 2) | meets all |",
      "|---|---:|---:|---:|---:|---|",
    );
    for (const c of checks) {
      lines.push(
        `| ${c.policy} | ${fmt(c.overloadVsBaseline)} | ${fmt(c.overloadVsHpa)} | ${fmt(c.costVsOracle)} | ${fmt(c.adaptationsVsHpa)} | ${c.meets ? "yes" : "no"} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

export const CHART_POLICIES = ["baseline", "default", "hpa", "oracle"] as const;

/** Members paid for and the average CPU over time, per policy, for one workload (Vega-Lite). */
export function chartSpec(
  workload: WorkloadName = "step",
  names: readonly string[] = CHART_POLICIES,
  settings: BenchmarkSettings = {},
): Record<string, unknown> {
  const upCpu = { ...deployedSettings(), ...settings.simulation }.upCpu;
  const size: Array<Record<string, unknown>> = [];
  const cpu: Array<Record<string, unknown>> = [];
  for (const policy of names) {
    const { run } = runOne(workload, policy, settings);
    run.seconds.forEach((s, t) => {
      if (t % 15 !== 0) return;
      size.push({ minute: t / 60, policy, members: s.paid });
      cpu.push({ minute: t / 60, policy, cpu: Math.round(s.cpu * 10) / 10 });
    });
  }
  const x = { field: "minute", type: "quantitative", title: "minutes" };
  const color = { field: "policy", type: "nominal", title: null, legend: { orient: "bottom" } };
  // Dashes too, so policies that coincide for a while stay visible.
  const strokeDash = { field: "policy", type: "nominal", title: null, legend: { orient: "bottom" } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `policy benchmark: ${workload} workload`,
    vconcat: [
      {
        width: 720,
        height: 200,
        data: { values: size },
        mark: { type: "line", interpolate: "step-after" },
        encoding: { x, y: { field: "members", type: "quantitative", title: "members paid for" }, color, strokeDash },
      },
      {
        width: 720,
        height: 160,
        layer: [
          {
            data: { values: cpu },
            mark: { type: "line", interpolate: "step-after" },
            encoding: {
              x,
              y: { field: "cpu", type: "quantitative", title: "serving members' CPU %", scale: { domain: [0, 100] } },
              color,
              strokeDash,
            },
          },
          {
            data: { values: [{ y: upCpu }] },
            mark: { type: "rule", strokeDash: [4, 4], color: "gray" },
            encoding: { y: { field: "y", type: "quantitative" } },
          },
        ],
      },
    ],
  };
}

/** Renders a Vega-Lite spec to SVG headless (no canvas, no browser), as sandbox/demo/chart.ts does. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
