/**
 * The CPU of one emulated pool member, modelled instead of burnt: a processor-sharing queue.
 *
 * The original app (`http-load-generator`) pins every CPU of its host for each `/load` request. Here a job
 * likewise occupies the whole machine: with one job running, every core is busy, and the job needs
 * `loadCpuSeconds` of that (10 s by default, as the original) to finish. Jobs running together share the machine
 * equally, so n jobs started at once all finish after n × loadCpuSeconds. The machine is busy whenever a job
 * runs and idle otherwise; the number of cores only multiplies the per-CPU counters the exporter shows.
 *
 * (The original answers after 10 s of wall time whatever the concurrency; sharing makes the answer time grow
 * with the load, which is what a scaled-out pool then brings down.)
 *
 * Pure and deterministic: time is an argument (ms) of every call, so the caller owns the clock. Time that
 * goes backwards is ignored, which keeps every counter monotonic.
 */

export interface CpuModelOptions {
  /** Machine time each job needs, in seconds (default 10). */
  loadCpuSeconds?: number;
  /** Where the clock starts, in ms (the member's boot). */
  startMs: number;
}

export interface CpuTimes {
  /** Seconds the machine was busy (every core at once) since the start. */
  busySeconds: number;
  /** Seconds the machine was idle since the start. */
  idleSeconds: number;
}

export const DEFAULT_LOAD_CPU_SECONDS = 10;

/** Work left below this (seconds) counts as done: guards against floating-point dust. */
const EPSILON_SECONDS = 1e-9;

export class CpuModel {
  readonly loadCpuSeconds: number;
  private nowMs: number;
  private busy = 0;
  private idle = 0;
  private nextId = 1;
  /** Remaining work (seconds) per job, in arrival order. */
  private readonly jobs = new Map<number, number>();

  constructor(options: CpuModelOptions) {
    const seconds = options.loadCpuSeconds ?? DEFAULT_LOAD_CPU_SECONDS;
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`loadCpuSeconds must be a positive number, got ${seconds}`);
    if (!Number.isFinite(options.startMs)) throw new RangeError(`startMs must be a finite number, got ${options.startMs}`);
    this.loadCpuSeconds = seconds;
    this.nowMs = options.startMs;
  }

  /** The model's time (ms): the latest time it was given. */
  get time(): number {
    return this.nowMs;
  }

  get activeJobs(): number {
    return this.jobs.size;
  }

  /** Adds a job at `nowMs`; returns its id, and the ids of jobs that finished before it arrived. */
  start(nowMs: number): { id: number; finished: number[] } {
    const finished = this.advance(nowMs);
    const id = this.nextId;
    this.nextId += 1;
    this.jobs.set(id, this.loadCpuSeconds);
    return { id, finished };
  }

  /**
   * Drops an unfinished job at `nowMs` (its client went away). Returns false if it was not running (unknown or
   * already finished by then) and the ids of jobs that finished up to `nowMs`.
   */
  cancel(id: number, nowMs: number): { cancelled: boolean; finished: number[] } {
    const finished = this.advance(nowMs);
    return { cancelled: this.jobs.delete(id), finished };
  }

  /** Moves the model to `nowMs`; returns the ids of the jobs that finished on the way, in finishing order. */
  advance(nowMs: number): number[] {
    const finished: number[] = [];
    if (!(nowMs > this.nowMs)) return finished;
    let left = (nowMs - this.nowMs) / 1000;
    this.nowMs = nowMs;
    while (left > 0) {
      const running = this.jobs.size;
      if (running === 0) {
        this.idle += left;
        break;
      }
      const least = Math.min(...this.jobs.values());
      // Each of `running` jobs gets 1/running of the machine: the first finishes after least × running.
      const untilFirst = least * running;
      if (untilFirst > left + EPSILON_SECONDS) {
        for (const [id, remaining] of this.jobs) this.jobs.set(id, remaining - left / running);
        this.busy += left;
        break;
      }
      const step = Math.min(untilFirst, left);
      this.busy += step;
      left -= step;
      for (const [id, remaining] of this.jobs) {
        const rest = remaining - least;
        if (rest <= EPSILON_SECONDS) {
          this.jobs.delete(id);
          finished.push(id);
        } else this.jobs.set(id, rest);
      }
      if (left <= EPSILON_SECONDS) break;
    }
    return finished;
  }

  /** When (ms) the next job finishes if nothing else arrives or leaves; undefined when idle. */
  nextFinishMs(): number | undefined {
    if (this.jobs.size === 0) return undefined;
    return this.nowMs + Math.min(...this.jobs.values()) * this.jobs.size * 1000;
  }

  /** Busy and idle seconds up to the model's time (call `advance` first to bring it to now). */
  times(): CpuTimes {
    return { busySeconds: this.busy, idleSeconds: this.idle };
  }
}

/** The modes node_exporter reports for `node_cpu_seconds_total` on Linux, in its (alphabetical) order. */
export const CPU_MODES = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"] as const;
export type CpuMode = (typeof CPU_MODES)[number];

/** The share of busy time booked as `system` (the kernel's part of serving requests); the rest is `user`. */
export const SYSTEM_SHARE = 0.05;

/** Pure: the per-CPU mode counters for these times (every core has the same, since a job pins them all). */
export function modeSeconds(times: CpuTimes): Record<CpuMode, number> {
  return {
    idle: times.idleSeconds,
    iowait: 0,
    irq: 0,
    nice: 0,
    softirq: 0,
    steal: 0,
    system: times.busySeconds * SYSTEM_SHARE,
    user: times.busySeconds * (1 - SYSTEM_SHARE),
  };
}

/**
 * Pure: node_exporter's text exposition of `node_cpu_seconds_total` for `cores` CPUs, with its HELP and TYPE
 * lines, series in node_exporter's order (by cpu, then mode).
 */
export function renderCpuMetrics(times: CpuTimes, cores: number): string {
  const modes = modeSeconds(times);
  const lines = ["# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.", "# TYPE node_cpu_seconds_total counter"];
  for (let cpu = 0; cpu < cores; cpu += 1) {
    for (const mode of CPU_MODES) lines.push(`node_cpu_seconds_total{cpu="${cpu}",mode="${mode}"} ${formatSample(modes[mode])}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A sample value as Prometheus' Go parser reads it (plain decimal, no more digits than the model is worth). */
function formatSample(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}
