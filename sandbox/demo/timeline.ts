/**
 * What the demo records once a second, and what it makes of it: the CSV, the summary, and whether the
 * scaling cycle is complete (the pool grew under load and shrank back to its minimum). Pure.
 */
export interface Sample {
  /** Seconds since the load started. */
  t: number;
  /** The load generator's concurrency at that moment (requests in flight it aims for). */
  load: number;
  /** The pool's average CPU (%) as Prometheus computes it for the alert rules; undefined before data. */
  cpu: number | undefined;
  /** The size the pool is asked to have, and its members that run and serve. */
  poolSize: number;
  ready: number;
  /** The scaler's last decision, e.g. "up signal" (empty before its first tick). */
  decision: string;
}

export interface Summary {
  minSize: number;
  maxSize: number;
  finalSize: number;
  /** Changes of the pool's size, upwards and downwards, seen in the samples. */
  scaleUps: number;
  scaleDowns: number;
  durationSeconds: number;
  /** Largest size reached. */
  peakSize: number;
  /** Whether the pool grew and then came back to its minimum. */
  completed: boolean;
}

const COLUMNS = ["t", "load", "cpu", "poolSize", "ready", "decision"] as const;

function csvField(value: string | number | undefined): string {
  if (value === undefined) return "";
  const text = typeof value === "number" ? String(Math.round(value * 10) / 10) : value;
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(samples: readonly Sample[]): string {
  const rows = samples.map((s) => COLUMNS.map((column) => csvField(s[column])).join(","));
  return `${[COLUMNS.join(","), ...rows].join("\n")}\n`;
}

export interface CycleState {
  grew: boolean;
  /** The pool grew, and after its peak came back down to the minimum. */
  shrankBack: boolean;
}

export function cycleState(samples: readonly Sample[], minSize: number): CycleState {
  let peak = -1;
  let peakAt = -1;
  samples.forEach((s, i) => {
    if (s.poolSize > peak) {
      peak = s.poolSize;
      peakAt = i;
    }
  });
  const grew = peak > minSize;
  const shrankBack = grew && samples.slice(peakAt + 1).some((s) => s.poolSize <= minSize);
  return { grew, shrankBack };
}

export function summarize(samples: readonly Sample[], minSize: number, maxSize: number): Summary {
  let scaleUps = 0;
  let scaleDowns = 0;
  for (let i = 1; i < samples.length; i += 1) {
    const change = samples[i]!.poolSize - samples[i - 1]!.poolSize;
    if (change > 0) scaleUps += 1;
    if (change < 0) scaleDowns += 1;
  }
  const last = samples.at(-1);
  return {
    minSize,
    maxSize,
    finalSize: last?.poolSize ?? minSize,
    scaleUps,
    scaleDowns,
    durationSeconds: last?.t ?? 0,
    peakSize: Math.max(minSize, ...samples.map((s) => s.poolSize)),
    completed: cycleState(samples, minSize).shrankBack,
  };
}

/** One line of live progress. */
export function progressLine(sample: Sample, phase: string): string {
  const cpu = sample.cpu === undefined ? "  –  " : `${sample.cpu.toFixed(0).padStart(3)} %`;
  const t = `${Math.floor(sample.t / 60)}:${String(Math.floor(sample.t % 60)).padStart(2, "0")}`;
  return (
    `${t.padStart(5)}  ${phase.padEnd(6)} load ${String(sample.load).padStart(3)}  cpu ${cpu}  ` +
    `pool ${sample.poolSize} (${sample.ready} ready)  ${sample.decision === "" ? "" : `last decision: ${sample.decision}`}`
  ).trimEnd();
}
