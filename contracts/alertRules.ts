/**
 * The one description of the scaling alerts. The Grafana rule group the monitoring host gets and the
 * Prometheus rules the local sandbox runs are both rendered from it, so the cloud and the rehearsal alert
 * on the same query, thresholds, pending period and labels.
 */

/** The Prometheus job that scrapes the pool members (and only them: the monitoring host has its own). */
export const POOL_JOB = "pool";

/** The alert label the scaler reads the direction from. */
export const SCALE_LABEL = "scale";

export type ScaleDirection = "up" | "down";

export interface ScalingRule {
  /** Alert name, e.g. PoolCpuHigh. */
  name: string;
  direction: ScaleDirection;
  /** Fires when the pool's average CPU (%) is above (`>`) or below (`<`) the threshold. */
  comparison: ">" | "<";
  thresholdPercent: number;
  /** How long the condition must hold before the alert fires. */
  pendingSeconds: number;
  labels: Record<string, string>;
  summary: string;
}

export interface ScalingAlertSpec {
  /** Rule group name (Grafana rule group, Prometheus rule group). */
  group: string;
  /** How often the group is evaluated. */
  evaluationSeconds: number;
  /** The pool's average CPU in percent: one series while the pool has members, none when it has none. */
  cpuQuery: string;
  rules: ScalingRule[];
}

export interface ScalingAlertOptions {
  upCpuPercent: number;
  downCpuPercent: number;
  /** Default 60 s: the course's "for 1 minute". */
  pendingSeconds?: number;
  /** Default 60 s (Grafana evaluates a rule group at most every 10 s; one minute is plenty here). */
  evaluationSeconds?: number;
  /** The rate() window; default 60 s, at least four scrapes at the deployed 15 s interval. */
  rateWindowSeconds?: number;
  job?: string;
}

/**
 * The average over pool members of each member's busy share of CPU time, in percent. Per member this is
 * the course's check query (non-idle CPU seconds over all CPU seconds), so a member with more cores
 * still counts once.
 */
export function poolCpuQuery(job: string = POOL_JOB, rateWindowSeconds = 60): string {
  const window = `${rateWindowSeconds}s`;
  return (
    `100 * avg(sum by (instance) (rate(node_cpu_seconds_total{job="${job}",mode!="idle"}[${window}]))` +
    ` / sum by (instance) (rate(node_cpu_seconds_total{job="${job}"}[${window}])))`
  );
}

export function scalingAlertSpec(options: ScalingAlertOptions): ScalingAlertSpec {
  const { upCpuPercent, downCpuPercent } = options;
  if (!(0 < downCpuPercent && downCpuPercent < upCpuPercent && upCpuPercent < 100)) {
    throw new RangeError(`thresholds must satisfy 0 < down < up < 100, got down=${downCpuPercent}, up=${upCpuPercent}`);
  }
  const pendingSeconds = options.pendingSeconds ?? 60;
  return {
    group: "exoscale-autoscaler",
    evaluationSeconds: options.evaluationSeconds ?? 60,
    cpuQuery: poolCpuQuery(options.job ?? POOL_JOB, options.rateWindowSeconds ?? 60),
    rules: [
      {
        name: "PoolCpuHigh",
        direction: "up",
        comparison: ">",
        thresholdPercent: upCpuPercent,
        pendingSeconds,
        labels: { [SCALE_LABEL]: "up" },
        summary: `Average pool CPU above ${upCpuPercent} %: add a member`,
      },
      {
        name: "PoolCpuLow",
        direction: "down",
        comparison: "<",
        thresholdPercent: downCpuPercent,
        pendingSeconds,
        labels: { [SCALE_LABEL]: "down" },
        summary: `Average pool CPU below ${downCpuPercent} %: remove a member`,
      },
    ],
  };
}
