/**
 * The built bundle as a child process with TICK_SECONDS=1 against the in-process API emulator: the
 * course's hand-in sequence, resolved alerts, token auth, /status, SIGTERM. Loopback only, bounded waits.
 */
import test, { type ExecutionContext } from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Emulator } from "../../../sandbox/emulator/server.js";
import { BUNDLES, bundleOptions } from "../../../scripts/bundles.mjs";
import { emulatorEnv, startTestEmulator } from "../../helpers/emulator.js";
import { waitFor } from "../../helpers/wait.js";
import { fixture } from "./fixtures.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Set by test.before: nothing touches the disk at import time. */
let outDir = "";
let BUNDLE = "";

test.before(async () => {
  // Exactly what `npm run build` does, into a temp dir so the test never depends on a stale dist/.
  outDir = await mkdtemp(join(tmpdir(), "scaler-bundle-"));
  BUNDLE = join(outDir, "scaler.cjs");
  await build(bundleOptions(join(ROOT, BUNDLES.scaler), BUNDLE));
});
test.after.always(async () => {
  if (outDir !== "") await rm(outDir, { recursive: true, force: true });
});

type Line = Record<string, unknown>;

interface Scaler {
  child: ChildProcess;
  url: string;
  lines: Line[];
  stderr: () => string;
  /** Resolves with the first line (after `from`) that matches, or rejects after `ms`. */
  waitLine(match: (l: Line) => boolean, from: number, ms?: number): Promise<Line>;
  exited: Promise<number | null>;
}

async function spawnScaler(t: ExecutionContext, emulator: Emulator, poolId: string, extra: Record<string, string> = {}): Promise<Scaler> {
  const child = spawn(process.execPath, [BUNDLE], {
    env: {
      PATH: process.env["PATH"] ?? "",
      ...emulatorEnv(emulator, poolId),
      LISTEN_HOST: "127.0.0.1",
      LISTEN_PORT: "0",
      TICK_SECONDS: "1",
      // The course's hand-in sequence, at the course's policy (the default's warm-up and cooldown are minutes).
      SCALING_PRESET: "course",
      ...extra,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const lines: Line[] = [];
  let err = "";
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const p of parts) if (p.trim() !== "") lines.push(JSON.parse(p) as Line);
  });
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const waitLine = (match: (l: Line) => boolean, from: number, ms = 8000): Promise<Line> =>
    waitFor(() => lines.slice(from).find(match), { timeoutMs: ms, what: "a log line" });
  const started = await waitLine((l) => l["msg"] === "scaler started", 0);
  const url = `http://${String(started["listen"])}`;
  return { child, url, lines, stderr: () => err, waitLine, exited };
}

/** Waits for the decision a tick takes after `from`, then for its operation (if any) to finish in the emulator. */
async function nextDecision(s: Scaler, emulator: Emulator, from: number, reason: string): Promise<Line> {
  const line = await s.waitLine((l) => l["msg"] === "decision" && l["reason"] === reason, from);
  const operation = line["operation"];
  if (typeof operation === "string") {
    await waitFor(() => (emulator.operation(operation)?.state === "success" ? true : undefined), {
      timeoutMs: 5000,
      what: `operation ${operation}`,
    });
  }
  return line;
}

function emulatorFor(t: ExecutionContext): Promise<Emulator> {
  return startTestEmulator(t, { host: "127.0.0.1", operationDelayMs: 100 });
}

test("bundle: /up → 2, /down → 1, /down stays 1, all 2xx; resolved never scales; SIGTERM exits 0", async (t) => {
  const emulator = await emulatorFor(t);
  const pool = emulator.createPool({ size: 1 });
  const s = await spawnScaler(t, emulator, pool.id);
  t.true(s.lines.some((l) => l["level"] === "warn" && /no webhook auth configured/.test(String(l["msg"]))));

  let mark = s.lines.length;
  const up = await fetch(`${s.url}/up`);
  t.is(up.status, 202);
  await nextDecision(s, emulator, mark, "up signal");
  t.is(emulator.pool(pool.id).size, 2);

  const status = (await (await fetch(`${s.url}/status`)).json()) as Record<string, unknown>;
  t.like(status, {
    poolId: pool.id,
    lastDecision: { reason: "up signal", direction: "up", currentSize: 1, targetSize: 2 },
    settings: { tickSeconds: 1, minSize: 1, maxSize: 10 },
  });
  t.is(typeof status["nextTickAt"], "string");

  mark = s.lines.length;
  const down = await fetch(`${s.url}/down`);
  t.is(down.status, 202);
  await nextDecision(s, emulator, mark, "down signal");
  t.is(emulator.pool(pool.id).size, 1);

  mark = s.lines.length;
  const again = await fetch(`${s.url}/down`);
  t.is(again.status, 202, "a request at a bound still answers 2xx");
  await nextDecision(s, emulator, mark, "at min");
  t.is(emulator.pool(pool.id).size, 1);

  mark = s.lines.length;
  const resolved = await fetch(`${s.url}/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: fixture("grafana-resolved-up"),
  });
  t.is(resolved.status, 202);
  const after = await s.waitLine((l) => l["msg"] === "decision", mark);
  const later = await s.waitLine((l) => l["msg"] === "decision", s.lines.indexOf(after) + 1);
  t.is(after["reason"], "no signal");
  t.is(later["reason"], "no signal");
  t.is(emulator.pool(pool.id).size, 1);

  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  t.regex(metrics, /scaler_decisions_total\{direction="up",reason="up signal"\} 1/);
  t.regex(metrics, /scaler_webhooks_total\{outcome="accepted"\} 4/);

  const stoppedAt = Date.now();
  s.child.kill("SIGTERM");
  t.is(await s.exited, 0);
  t.true(Date.now() - stoppedAt < 2000, "exits within 2 s");
  t.is(s.stderr(), "");
});

test("bundle: with WEBHOOK_TOKEN, a request without it gets 401 and changes nothing", async (t) => {
  const emulator = await emulatorFor(t);
  const pool = emulator.createPool({ size: 1 });
  const s = await spawnScaler(t, emulator, pool.id, { WEBHOOK_TOKEN: "s3cret-token" });
  t.false(s.lines.some((l) => /no webhook auth configured/.test(String(l["msg"]))));

  let mark = s.lines.length;
  t.is((await fetch(`${s.url}/up`)).status, 401);
  t.is((await fetch(`${s.url}/up`, { headers: { authorization: "Bearer wrong" } })).status, 401);
  t.is((await fetch(`${s.url}/webhook`, { method: "POST", body: fixture("grafana-firing-up") })).status, 401);
  // Two full ticks later nothing has moved.
  const first = await s.waitLine((l) => l["msg"] === "decision", mark);
  const second = await s.waitLine((l) => l["msg"] === "decision", s.lines.indexOf(first) + 1);
  t.deepEqual([first["reason"], second["reason"]], ["no signal", "no signal"]);
  t.is(emulator.pool(pool.id).size, 1);
  t.false(emulator.requests.some((r) => r.operation === "scale-instance-pool"));

  mark = s.lines.length;
  t.is((await fetch(`${s.url}/up`, { headers: { authorization: "Bearer s3cret-token" } })).status, 202);
  await nextDecision(s, emulator, mark, "up signal");
  t.is(emulator.pool(pool.id).size, 2);

  s.child.kill("SIGTERM");
  t.is(await s.exited, 0);
});

test("bundle: invalid configuration exits 2 and lists every problem", async (t) => {
  const env = {
    PATH: process.env["PATH"] ?? "",
    TICK_SECONDS: "soon",
    MAX_SIZE: "0",
    EXOSCALE_INSTANCEPOOL_ID: "x",
    LISTEN_HOST: "256.1.1.1",
  };
  const child = spawn(process.execPath, [BUNDLE], { env, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  t.is(code, 2);
  for (const p of [
    /EXOSCALE_KEY is required/,
    /EXOSCALE_INSTANCEPOOL_ID must be an instance pool UUID, got "x"/,
    /LISTEN_HOST must be an IP address .*"256\.1\.1\.1"/,
    /TICK_SECONDS must be a whole number/,
    /MAX_SIZE must be at least 1/,
  ])
    t.regex(err, p);
  t.notRegex(err, /at .*\.(ts|cjs):\d+/);
});
