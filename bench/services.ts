/**
 * The services' own speed and footprint, measured on loopback: the scaler's webhook under a realistic
 * Grafana firing payload with token auth (requests per second and p99 latency, with autocannon), the
 * resident memory of the scaler and the SD agent while that runs, and the size of each bundle. The built
 * bundles are run exactly as deployed, against the in-process API emulator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BUNDLE_NAMES, type BundleName } from "../contracts/hostLayout.js";
import { NODE_ARGS } from "../contracts/systemdUnits.js";
import { closeServer, listen } from "../lib/shared/http.js";
import { startEmulator } from "../sandbox/emulator/server.js";

export interface ServiceBenchmark {
  webhookRps: number;
  webhookP99Ms: number;
  scalerRssMb: number;
  sdAgentRssMb: number;
  /** Each bundle's size in bytes. */
  bundleBytes: Record<BundleName, number>;
}

export interface ServiceBenchmarkOptions {
  /** Seconds of load on the webhook (default 10). */
  durationSeconds?: number;
  connections?: number;
  /** Where the bundles are (default the repository's dist/). */
  distDir?: string;
  /** Node's options before the bundle (default: the deployed units' NODE_ARGS). */
  nodeArgs?: readonly string[];
}

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const TOKEN = "bench-webhook-token";

/** A Grafana unified-alerting notification as Grafana sends it for our up rule. */
export function grafanaFiringPayload(): string {
  return JSON.stringify({
    receiver: "exoscale-autoscaler",
    status: "firing",
    orgId: 1,
    alerts: [
      {
        status: "firing",
        labels: { alertname: "PoolCpuHigh", grafana_folder: "exoscale-autoscaler", scale: "up" },
        annotations: { summary: "Average pool CPU above 80 %: add a member" },
        startsAt: "2026-01-01T11:58:00Z",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://127.0.0.1:3000/alerting/grafana/exoscale-autoscaler-up/view",
        fingerprint: "5f3a9c2e1b7d4a60",
        silenceURL: "http://127.0.0.1:3000/alerting/silence/new",
        dashboardURL: "",
        panelURL: "",
        values: { A: 91.5, B: 91.5, C: 1 },
        valueString: "[ var='B' labels={} value=91.5 ], [ var='C' labels={} value=1 ]",
      },
    ],
    groupLabels: { alertname: "PoolCpuHigh", scale: "up" },
    commonLabels: { alertname: "PoolCpuHigh", grafana_folder: "exoscale-autoscaler", scale: "up" },
    commonAnnotations: { summary: "Average pool CPU above 80 %: add a member" },
    externalURL: "http://127.0.0.1:3000/",
    version: "1",
    groupKey: '{}/{scale=~"up|down"}:{alertname="PoolCpuHigh", scale="up"}',
    truncatedAlerts: 0,
    title: "[FIRING:1] PoolCpuHigh (up)",
    state: "alerting",
    message: "**Firing**\n\nValue: B=91.5, C=1",
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const { port } = await listen(probe, 0, "127.0.0.1");
  await closeServer(probe);
  return port;
}

/** Resident set size of a process, in MB, from /proc (Linux). */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function waitForOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(
  bundle: string,
  env: Record<string, string>,
  nodeArgs: readonly string[],
): { child: ChildProcess; exited: Promise<unknown> } {
  const child = spawn(process.execPath, [...nodeArgs, bundle], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: "ignore" });
  return { child, exited: new Promise((r) => child.once("exit", r)) };
}

export async function runServiceBenchmark(options: ServiceBenchmarkOptions = {}): Promise<ServiceBenchmark> {
  const dist = options.distDir ?? join(ROOT, "dist");
  const nodeArgs = options.nodeArgs ?? NODE_ARGS;
  const bundleBytes = {} as Record<BundleName, number>;
  for (const name of BUNDLE_NAMES) bundleBytes[name] = (await stat(join(dist, `${name}.cjs`))).size;

  const emulator = await startEmulator({ host: "127.0.0.1" });
  const pool = emulator.createPool({ size: 2 });
  const sdDir = await mkdtemp(join(tmpdir(), "bench-sd-"));
  const children: { child: ChildProcess; exited: Promise<unknown> }[] = [];
  try {
    const env = {
      EXOSCALE_KEY: emulator.key,
      EXOSCALE_SECRET: emulator.secret,
      EXOSCALE_ZONE: emulator.zone,
      EXOSCALE_INSTANCEPOOL_ID: pool.id,
      EXOSCALE_API_ENDPOINT: emulator.url,
    };
    const [scalerPort, sdPort] = await Promise.all([freePort(), freePort()]);
    // As deployed: the token, and the state file every accepted signal is written to before the 202.
    const scaler = start(
      join(dist, "scaler.cjs"),
      {
        ...env,
        LISTEN_PORT: String(scalerPort),
        WEBHOOK_TOKEN: TOKEN,
        TICK_SECONDS: "5",
        STATE_FILE: join(sdDir, "scaler-state.json"),
      },
      nodeArgs,
    );
    const sdAgent = start(
      join(dist, "sd-agent.cjs"),
      {
        ...env,
        SD_FILE: join(sdDir, "targets.json"),
        SD_INTERVAL_SECONDS: "1",
        METRICS_PORT: String(sdPort),
      },
      nodeArgs,
    );
    children.push(scaler, sdAgent);
    await Promise.all([waitForOk(`http://127.0.0.1:${scalerPort}/health`, 15_000), waitForOk(`http://127.0.0.1:${sdPort}/health`, 15_000)]);

    let scalerRss = 0;
    let sdRss = 0;
    const sampler = setInterval(() => {
      void rssMb(scaler.child.pid!).then(
        (mb) => (scalerRss = Math.max(scalerRss, mb)),
        () => undefined,
      );
      void rssMb(sdAgent.child.pid!).then(
        (mb) => (sdRss = Math.max(sdRss, mb)),
        () => undefined,
      );
    }, 250);
    const { default: autocannon } = await import("autocannon");
    const result = await new Promise<import("autocannon").AutocannonResult>((resolveRun, reject) => {
      autocannon(
        {
          url: `http://127.0.0.1:${scalerPort}/webhook`,
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body: grafanaFiringPayload(),
          connections: options.connections ?? 32,
          duration: options.durationSeconds ?? 10,
        },
        (error, done) => (error ? reject(error) : resolveRun(done)),
      );
    });
    clearInterval(sampler);
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(
        `the webhook answered ${result.non2xx} non-2xx and ${result.errors} errors under load: the measurement is not of a working scaler`,
      );
    }
    return {
      webhookRps: Math.round(result.requests.average),
      webhookP99Ms: result.latency.p99,
      scalerRssMb: Math.round(scalerRss * 10) / 10,
      sdAgentRssMb: Math.round(sdRss * 10) / 10,
      bundleBytes,
    };
  } finally {
    for (const { child, exited } of children) {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    }
    await emulator.close();
    await rm(sdDir, { recursive: true, force: true });
  }
}

/** The services' targets (issue 12), beside what was measured. */
export const SERVICE_TARGETS = { webhookRps: 5_000, webhookP99Ms: 20, rssMb: 80, bundleBytes: 1.5 * 1024 * 1024 } as const;

export function renderServiceMarkdown(b: ServiceBenchmark): string {
  const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(2);
  const row = (measure: string, value: string, target: string, meets: boolean): string =>
    `| ${measure} | ${value} | ${target} | ${meets ? "yes" : "no"} |`;
  const t = SERVICE_TARGETS;
  return [
    "### services",
    "",
    "| measure | value | target | meets |",
    "|---|---:|---:|---|",
    row("webhook requests/s", String(b.webhookRps), `≥ ${t.webhookRps}`, b.webhookRps >= t.webhookRps),
    row("webhook p99 latency, ms", String(b.webhookP99Ms), `≤ ${t.webhookP99Ms}`, b.webhookP99Ms <= t.webhookP99Ms),
    row("scaler resident memory, MB", String(b.scalerRssMb), `≤ ${t.rssMb}`, b.scalerRssMb <= t.rssMb),
    row("SD agent resident memory, MB", String(b.sdAgentRssMb), `≤ ${t.rssMb}`, b.sdAgentRssMb <= t.rssMb),
    ...Object.entries(b.bundleBytes).map(([name, bytes]) =>
      row(`bundle ${name}.cjs, MB`, mb(bytes), `≤ ${mb(t.bundleBytes)}`, bytes <= t.bundleBytes),
    ),
    "",
  ].join("\n");
}
