/**
 * One demo run: everything the scaling loop needs, on loopback, with compressed timings. It starts the
 * API emulator (whose members are emulated servers on 127.0.0.x), the emulated NLB, the built SD agent and
 * scaler, a real Prometheus with rules rendered from the same alert spec as the cloud's Grafana rules, and
 * a real Alertmanager calling the scaler's webhook with a token; then it runs the load profile, samples
 * once a second, and writes the run folder. Everything it started is stopped on every way out.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join, resolve } from "node:path";
import { renderAlertmanagerConfig } from "../../contracts/alertmanagerConfig.js";
import { scalingAlertSpec } from "../../contracts/alertRules.js";
import { renderPrometheusConfig } from "../../contracts/prometheusConfig.js";
import { renderPrometheusRules } from "../../contracts/prometheusRules.js";
import { ConfigError } from "../../lib/shared/env.js";
import { messageOf } from "../../lib/shared/errors.js";
import { closeServer, listen } from "../../lib/shared/http.js";
import { startEmulator, type Emulator } from "../emulator/server.js";
import { memberHooks } from "../members/index.js";
import { startNlb } from "../nlb/index.js";
import { renderChartSvg } from "./chart.js";
import { concurrencyAt, startLoad, type LoadDriver } from "./loadDriver.js";
import { demoPolicyEnv, demoRateWindowSeconds, type DemoOptions } from "./options.js";
import { DEMO_TOOLS, installCommand, startProcess, type ManagedProcess } from "./processes.js";
import { findSystemCommand } from "../systemCommands.js";
import { cycleState, progressLine, summarize, toCsv, type Sample, type Summary } from "./timeline.js";

/** The demo runs Prometheus and Alertmanager as the user's shell would find them (PATH, past npm's folders). */
const DEMO_SEARCH = { fallbackDirs: [] } as const;

export interface DemoIo {
  /** One line of output (progress, the summary). */
  line(text: string): void;
  /** Rewrites the current terminal line (TTY only); undefined without a TTY. */
  status?: (text: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
}

export interface DemoResult {
  ok: boolean;
  out: string;
  summary: Summary;
  /** Why the run failed, in words. */
  failure?: string;
}

export interface Endpoints {
  emulator: string;
  nlb: string;
  prometheus: string;
  alertmanager: string;
  scaler: string;
}

const ROOT = resolve(new URL("../..", import.meta.url).pathname);

/** A port that was free a moment ago (Prometheus and Alertmanager take a port number, not 0). */
async function freePort(): Promise<number> {
  const probe = createServer();
  const { port } = await listen(probe, 0, "127.0.0.1");
  await closeServer(probe);
  return port;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, exited?: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`${what} exited while starting; see its log in the run folder`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const answers = (url: string) => async (): Promise<boolean> => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;

async function queryCpu(prometheus: string, query: string): Promise<number | undefined> {
  const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { data?: { result?: { value?: [number, string] }[] } };
  const value = body.data?.result?.[0]?.value?.[1];
  const cpu = value === undefined ? undefined : Number(value);
  return cpu !== undefined && Number.isFinite(cpu) ? cpu : undefined;
}

async function lastDecision(scaler: string): Promise<string> {
  const response = await fetch(`${scaler}/status`, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { lastDecision?: { reason?: string } | null };
  return body.lastDecision?.reason ?? "";
}

/** Refuses to start without the Debian packages or the built bundles, naming the exact command to run. */
export function checkPrerequisites(): void {
  const missing = DEMO_TOOLS.filter((tool) => findSystemCommand(tool.command, DEMO_SEARCH) === undefined);
  if (missing.length > 0) {
    throw new ConfigError([
      `the demo runs a real ${missing.map((m) => m.command).join(" and ")}, not installed here: ${installCommand(missing)}`,
    ]);
  }
  for (const bundle of ["sd-agent", "scaler"]) {
    if (!existsSync(join(ROOT, "dist", `${bundle}.cjs`))) {
      throw new ConfigError([`dist/${bundle}.cjs is missing: run npm run build first (npm run demo does it for you)`]);
    }
  }
}

/** A fresh run folder under .demo/ (ignored by git), named by the time it started. */
export function defaultOutDir(now: Date = new Date()): string {
  return join(ROOT, ".demo", now.toISOString().replace(/[:.]/g, "-"));
}

export async function runDemo(options: DemoOptions, io: DemoIo): Promise<DemoResult> {
  checkPrerequisites();
  const out = resolve(options.out ?? defaultOutDir());
  await mkdir(out, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  const samples: Sample[] = [];
  try {
    const endpoints = await startEverything(options, out, stops);
    await writeFile(join(out, "endpoints.json"), `${JSON.stringify(endpoints.urls, null, 2)}\n`);
    io.line(`demo: everything is up; endpoints in ${join(out, "endpoints.json")}`);
    for (const [name, url] of Object.entries(endpoints.urls)) io.line(`  ${name.padEnd(12)} ${url}`);

    const load = startLoad(`${endpoints.urls.nlb}/load`);
    stops.unshift(() => load.stop());
    const outcome = await sampleUntilDone(options, endpoints, load, samples, io);
    await load.stop();
    const summary = summarize(samples, options.minSize, options.maxSize);
    await writeResults(out, samples, summary, options);
    io.line("");
    io.line(`demo: ${outcome.ok ? "cycle complete" : `FAILED: ${outcome.failure}`}`);
    io.line(
      `  pool ${options.minSize} → ${summary.peakSize} → ${summary.finalSize} (bounds ${options.minSize}–${options.maxSize}), ` +
        `${summary.scaleUps} scale-ups, ${summary.scaleDowns} scale-downs, ${summary.durationSeconds} s`,
    );
    io.line(`  run folder: ${out} (timeline.csv, summary.json, chart.svg, endpoints.json, logs)`);
    if (options.keepRunning && !outcome.interrupted) {
      io.line("demo: --keep-running: everything stays up until Ctrl-C");
      await io.interrupted;
    }
    return { ok: outcome.ok, out, summary, ...(outcome.failure !== undefined ? { failure: outcome.failure } : {}) };
  } catch (error) {
    if (samples.length > 0)
      await writeResults(out, samples, summarize(samples, options.minSize, options.maxSize), options).catch(() => undefined);
    throw error;
  } finally {
    await stopAll();
  }
}

interface Started {
  urls: Endpoints;
  emulator: Emulator;
  poolId: string;
  cpuQuery: string;
}

async function startEverything(options: DemoOptions, out: string, stops: Array<() => Promise<void>>): Promise<Started> {
  // The members' ports are chosen free: a node_exporter or web server of this machine's own on 0.0.0.0:9100
  // or :8080 would take those ports on every 127.0.0.x too.
  const [appPort, exporterPort] = await Promise.all([freePort(), freePort()]);
  const bootDelayMs = options.bootSeconds * 1000;
  const hooks = memberHooks({ appPort, exporterPort, bootDelayMs });
  stops.push(() => hooks.close());
  const emulator = await startEmulator({ operationDelayMs: 1_000, bootDelayMs, hooks });
  stops.push(() => emulator.close());
  const pool = emulator.createPool({ size: options.minSize, name: "demo" });
  const targets = (): string[] =>
    emulator
      .pool(pool.id)
      .members.filter((m) => m.state === "running")
      .map((m) => m.publicIp);
  const nlb = await startNlb({ port: 0, targets, targetPort: appPort, intervalMs: 1_000, timeoutMs: 800, retries: 1 });
  stops.push(() => nlb.stop());

  const [prometheusPort, alertmanagerPort, scalerPort, sdMetricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const token = randomBytes(24).toString("hex");
  const tokenFile = join(out, "webhook-token");
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const sdFile = join(out, "sd", "targets.json");
  const spec = scalingAlertSpec({
    upCpuPercent: options.upCpuPercent,
    downCpuPercent: options.downCpuPercent,
    pendingSeconds: options.pendingSeconds,
    evaluationSeconds: options.scrapeSeconds,
    rateWindowSeconds: demoRateWindowSeconds(options),
  });
  await writeFile(join(out, "rules.yml"), renderPrometheusRules(spec));
  await writeFile(
    join(out, "prometheus.yml"),
    renderPrometheusConfig({
      scrapeIntervalSeconds: options.scrapeSeconds,
      evaluationIntervalSeconds: options.scrapeSeconds,
      sdFile,
      sdRefreshSeconds: 1,
      scalerTarget: `127.0.0.1:${scalerPort}`,
      sdAgentTarget: `127.0.0.1:${sdMetricsPort}`,
      // The demo has no host node_exporter of its own: point the job at Prometheus, which answers /metrics.
      hostNodeExporterTarget: `127.0.0.1:${prometheusPort}`,
      prometheusTarget: `127.0.0.1:${prometheusPort}`,
      ruleFiles: [join(out, "rules.yml")],
      alertmanagers: [`127.0.0.1:${alertmanagerPort}`],
    }),
  );
  await writeFile(
    join(out, "alertmanager.yml"),
    renderAlertmanagerConfig({
      webhookUrl: `http://127.0.0.1:${scalerPort}/webhook`,
      tokenFile,
      groupWaitSeconds: 1,
      groupIntervalSeconds: options.groupIntervalSeconds,
      repeatIntervalSeconds: options.groupIntervalSeconds,
    }),
  );

  const emulatorEnv = {
    EXOSCALE_KEY: emulator.key,
    EXOSCALE_SECRET: emulator.secret,
    EXOSCALE_ZONE: emulator.zone,
    EXOSCALE_INSTANCEPOOL_ID: pool.id,
    EXOSCALE_API_ENDPOINT: emulator.url,
  };
  const track = (processes: ManagedProcess): ManagedProcess => {
    stops.push(() => processes.stop());
    return processes;
  };
  const sdAgent = track(
    startProcess("sd-agent", process.execPath, [join(ROOT, "dist", "sd-agent.cjs")], {
      env: {
        ...emulatorEnv,
        SD_FILE: sdFile,
        SD_INTERVAL_SECONDS: "1",
        METRICS_PORT: String(sdMetricsPort),
        TARGET_PORT: String(exporterPort),
      },
      logFile: join(out, "sd-agent.log"),
    }),
  );
  const scaler = track(
    startProcess("scaler", process.execPath, [join(ROOT, "dist", "scaler.cjs")], {
      env: {
        ...emulatorEnv,
        LISTEN_PORT: String(scalerPort),
        TICK_SECONDS: String(options.tickSeconds),
        MIN_SIZE: String(options.minSize),
        MAX_SIZE: String(options.maxSize),
        SCALE_UP_CPU: String(options.upCpuPercent),
        ...demoPolicyEnv(options),
        WEBHOOK_TOKEN: token,
        // Alertmanager repeats a firing alert every group interval: a few missed repeats end it.
        SIGNAL_TTL_SECONDS: String(Math.max(10, 4 * options.groupIntervalSeconds)),
      },
      logFile: join(out, "scaler.log"),
    }),
  );
  const prometheus = track(
    startProcess(
      "prometheus",
      findSystemCommand("prometheus", DEMO_SEARCH)!,
      [
        `--config.file=${join(out, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(out, "prometheus-data")}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ],
      { logFile: join(out, "prometheus.log") },
    ),
  );
  const alertmanager = track(
    startProcess(
      "alertmanager",
      findSystemCommand("prometheus-alertmanager", DEMO_SEARCH)!,
      [
        `--config.file=${join(out, "alertmanager.yml")}`,
        `--storage.path=${join(out, "alertmanager-data")}`,
        `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
        // A single Alertmanager: no cluster port (9094) taken.
        "--cluster.listen-address=",
      ],
      { logFile: join(out, "alertmanager.log") },
    ),
  );
  const urls: Endpoints = {
    emulator: emulator.url,
    nlb: nlb.url,
    prometheus: `http://127.0.0.1:${prometheusPort}`,
    alertmanager: `http://127.0.0.1:${alertmanagerPort}`,
    scaler: `http://127.0.0.1:${scalerPort}`,
  };
  await Promise.all([
    waitUntil("the scaler", answers(`${urls.scaler}/health`), 20_000, scaler.exited),
    waitUntil("the SD agent", answers(`http://127.0.0.1:${sdMetricsPort}/health`), 20_000, sdAgent.exited),
    waitUntil("Prometheus", answers(`${urls.prometheus}/-/ready`), 30_000, prometheus.exited),
    waitUntil("Alertmanager", answers(`${urls.alertmanager}/-/ready`), 30_000, alertmanager.exited),
    waitUntil("the NLB", answers(`${urls.nlb}/health`), 20_000),
  ]);
  return { urls, emulator, poolId: pool.id, cpuQuery: spec.cpuQuery };
}

interface Outcome {
  ok: boolean;
  failure?: string;
  interrupted: boolean;
}

function phaseAt(t: number, options: DemoOptions): string {
  if (t < options.rampSeconds) return "ramp";
  if (t < options.rampSeconds + options.holdSeconds) return "hold";
  return "drop";
}

async function sampleUntilDone(options: DemoOptions, started: Started, load: LoadDriver, samples: Sample[], io: DemoIo): Promise<Outcome> {
  const startedAt = Date.now();
  let interrupted = false;
  void io.interrupted.then(() => (interrupted = true));
  let lastPrinted = "";
  let lastPrintedAt = -Infinity;
  for (;;) {
    const t = Math.round((Date.now() - startedAt) / 100) / 10;
    load.setConcurrency(concurrencyAt(t, options));
    const pool = started.emulator.pool(started.poolId);
    const [cpu, decision] = await Promise.all([
      queryCpu(started.urls.prometheus, started.cpuQuery).catch(() => undefined),
      lastDecision(started.urls.scaler).catch(() => ""),
    ]);
    const sample: Sample = {
      t,
      load: load.concurrency,
      cpu,
      poolSize: pool.size,
      ready: pool.members.filter((m) => m.state === "running").length,
      decision,
    };
    samples.push(sample);
    const phase = phaseAt(t, options);
    const line = progressLine(sample, phase);
    if (io.status !== undefined) io.status(line);
    else if (`${sample.poolSize}|${sample.decision}|${phase}` !== lastPrinted || t - lastPrintedAt >= 10) {
      io.line(line);
      lastPrinted = `${sample.poolSize}|${sample.decision}|${phase}`;
      lastPrintedAt = t;
    }
    const cycle = cycleState(samples, options.minSize);
    if (phase === "drop" && cycle.shrankBack) return { ok: true, interrupted };
    if (interrupted) return { ok: false, failure: "interrupted (Ctrl-C) before the cycle completed", interrupted };
    if (t >= options.timeLimitSeconds) {
      const failure = !cycle.grew
        ? `the pool never grew within ${options.timeLimitSeconds} s (see scaler.log and prometheus.log in the run folder)`
        : `the pool grew but did not shrink back to ${options.minSize} within ${options.timeLimitSeconds} s`;
      return { ok: false, failure, interrupted };
    }
    await Promise.race([new Promise((r) => setTimeout(r, 1_000)), io.interrupted]);
  }
}

async function writeResults(out: string, samples: readonly Sample[], summary: Summary, options: DemoOptions): Promise<void> {
  const { completed: _completed, peakSize: _peak, ...contract } = summary;
  await writeFile(join(out, "timeline.csv"), toCsv(samples));
  await writeFile(
    join(out, "summary.json"),
    `${JSON.stringify({ ...contract, peakSize: summary.peakSize, completed: summary.completed }, null, 2)}\n`,
  );
  try {
    await writeFile(
      join(out, "chart.svg"),
      await renderChartSvg(samples, { upCpuPercent: options.upCpuPercent, downCpuPercent: options.downCpuPercent }),
    );
  } catch (error) {
    await writeFile(join(out, "chart-error.txt"), `the chart could not be rendered: ${messageOf(error)}\n`);
  }
}
