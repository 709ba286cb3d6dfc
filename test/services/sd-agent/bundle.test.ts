/**
 * Acceptance: the bundled agent (built here with scripts/bundles.mjs, as `npm run build` does, into a temp
 * directory with no node_modules) run as a child process against the signature-checking emulator.
 */
import test from "ava";
import { build } from "esbuild";
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { BUNDLES, bundleOptions } from "../../../scripts/bundles.mjs";
import type { Emulator, InstanceSnapshot, RequestRecord } from "../../../sandbox/emulator/server.js";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { closeServer, listen } from "../../../lib/shared/http.js";
import { emulatorEnv, startTestEmulator } from "../../helpers/emulator.js";
import { tempDir } from "../../helpers/fs.js";
import { waitFor } from "../../helpers/wait.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const INTERVAL_MS = 1_000;
/** Process start-up, one refresh and our 20 ms polling: generous for a loaded 2-core CI machine. */
const SLACK_MS = 1_000;

let bundleDir: string;
let bundle: string;

test.before(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), "sd-bundle-"));
  bundle = join(bundleDir, "sd-agent.cjs");
  // Exactly the settings `npm run build` uses (scripts/bundles.mjs), so the tested file is the shipped one.
  await build(bundleOptions(join(ROOT, BUNDLES["sd-agent"]), bundle));
});

test.after.always(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

type Child = ChildProcessByStdio<null, Readable, Readable>;

function spawnAgent(env: Record<string, string>): { child: Child; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, [bundle], {
    cwd: bundleDir,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

async function readTargets(file: string): Promise<string[] | undefined> {
  try {
    const groups = JSON.parse(await readFile(file, "utf8")) as { targets: string[] }[];
    return groups.flatMap((g) => g.targets).sort();
  } catch {
    return undefined;
  }
}

/** Polls the file (bounded) until it lists exactly `expected`; returns when that happened. */
async function waitForTargets(file: string, expected: string[], timeoutMs: number, describe: () => string): Promise<number> {
  const want = JSON.stringify([...expected].sort());
  let targets: string[] | undefined;
  const listed = async (): Promise<number | undefined> => {
    targets = await readTargets(file);
    return targets && JSON.stringify(targets) === want ? Date.now() : undefined;
  };
  try {
    return await waitFor(listed, { timeoutMs, intervalMs: 20, what: `the file to list ${want}` });
  } catch {
    throw new Error(`file lists ${JSON.stringify(targets)}, expected ${JSON.stringify(expected)}\n${describe()}`);
  }
}

function running(emu: Emulator, poolId: string, port: number): string[] {
  return emu
    .pool(poolId)
    .members.filter((m) => m.state === "running")
    .map((m) => `${m.publicIp}:${port}`);
}

/** Resolves when the emulator has emitted `count` events matching `predicate` (bounded). */
function eventCount<T>(emu: Emulator, event: string, predicate: (value: T) => boolean, count: number, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => {
      emu.events.off(event, listener);
      reject(new Error(`only ${seen}/${count} ${event} events`));
    }, timeoutMs);
    const listener = (value: T): void => {
      if (predicate(value) && ++seen >= count) {
        clearTimeout(timer);
        emu.events.off(event, listener);
        resolve();
      }
    };
    emu.events.on(event, listener);
  });
}

test("the built bundle follows the pool within one interval, survives API faults and exits 0 on SIGTERM", async (t) => {
  const emu = await startTestEmulator(t, { operationDelayMs: 100, bootDelayMs: 200, random: () => 0 });
  const dir = await tempDir(t, "sd-bundle-run-");
  const pool = emu.createPool({ size: 2 });
  const api = createExoscaleClient({ key: emu.key, secret: emu.secret, zone: "ch-gva-2", endpoint: emu.url });
  const file = join(dir, "sd", "config.json");
  const port = 9200;
  const { child, output } = spawnAgent({
    ...emulatorEnv(emu, pool.id),
    TARGET_PORT: String(port),
    SD_FILE: file,
    SD_INTERVAL_SECONDS: String(INTERVAL_MS / 1000),
    METRICS_PORT: "0",
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const describe = (): string => `agent output:\n${output()}`;

  // Start-up: the directory is created and the first refresh writes the pool.
  await waitForTargets(file, running(emu, pool.id, port), 5_000, describe);

  // Scale up: from the moment the new members run, the file follows within one interval.
  const booted = eventCount<InstanceSnapshot>(emu, "instance", (i) => i.state === "running", 2);
  await api.scaleInstancePool(pool.id, 4);
  await booted;
  const upAt = Date.now();
  const upSeen = await waitForTargets(file, running(emu, pool.id, port), INTERVAL_MS + SLACK_MS, describe);
  t.is(running(emu, pool.id, port).length, 4);
  t.log(`scale-up reflected after ${upSeen - upAt} ms`);

  // Scale down by evicting three members: they leave the file within one interval.
  const victims = emu
    .pool(pool.id)
    .members.slice(0, 3)
    .map((m) => m.id);
  await api.evictInstancePoolMembers(pool.id, victims);
  const downAt = Date.now();
  const downSeen = await waitForTargets(file, running(emu, pool.id, port), INTERVAL_MS + SLACK_MS, describe);
  t.is(running(emu, pool.id, port).length, 1);
  t.log(`scale-down reflected after ${downSeen - downAt} ms`);

  // Outage: every answer is a 503, then a 429 (Retry-After 0 keeps the test short). Each refresh makes three
  // attempts, so six 503s are two failed refreshes. The file is never emptied or changed.
  const before = await readFile(file, "utf8");
  emu.setFaults({ errorRate: 1, retryAfterSeconds: 0 });
  await eventCount<RequestRecord>(emu, "request", (r) => r.status === 503, 6);
  t.is(await readFile(file, "utf8"), before);
  emu.setFaults({ rateLimitRate: 1, retryAfterSeconds: 0 });
  await eventCount<RequestRecord>(emu, "request", (r) => r.status === 429, 3);
  t.is(await readFile(file, "utf8"), before);
  t.regex(output(), /"msg":"refresh failed; keeping the last good file","kind":"(server|rate_limit)"/);

  // Recovery: a change made after the outage shows up again.
  emu.setFaults({});
  const rebooted = eventCount<InstanceSnapshot>(emu, "instance", (i) => i.state === "running", 2);
  await api.scaleInstancePool(pool.id, 3);
  await rebooted;
  await waitForTargets(file, running(emu, pool.id, port), INTERVAL_MS * 3 + SLACK_MS, describe);
  t.is(running(emu, pool.id, port).length, 3);
  t.regex(output(), /"msg":"refresh recovered"/);

  // Every request the agent made carried a valid signature: none was refused with 401.
  t.false(
    emu.requests.some((r) => r.status === 401),
    "no request was refused for its signature",
  );

  const exited = once(child, "exit") as Promise<[number | null, string | null]>;
  const stopAt = Date.now();
  child.kill("SIGTERM");
  const [code] = await exited;
  t.is(code, 0, describe());
  t.true(Date.now() - stopAt < 2_000, `stopped in ${Date.now() - stopAt} ms`);
  t.deepEqual(await readTargets(file), running(emu, pool.id, port).sort(), "the file is left intact on exit");
});

test("the built bundle exits 2 with a readable message on bad configuration", async (t) => {
  const { child, output } = spawnAgent({ EXOSCALE_ZONE: "nowhere", TARGET_PORT: "http" });
  const [code] = (await once(child, "exit")) as [number | null];
  t.is(code, 2);
  t.regex(output(), /sd-agent: invalid configuration:/);
  t.regex(output(), /EXOSCALE_KEY is required/);
  t.regex(output(), /EXOSCALE_ZONE must be one of/);
  t.regex(output(), /TARGET_PORT must be a whole number, got "http"/);
  t.notRegex(output(), /at .*\.(ts|cjs):\d+/);
});

test("the built bundle exits 2 naming the fix when the API refuses the key at start-up", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-bundle-auth-");
  const pool = emu.createPool({ size: 1 });
  const { child, output } = spawnAgent({
    ...emulatorEnv(emu, pool.id),
    EXOSCALE_SECRET: "not-the-secret",
    SD_FILE: join(dir, "config.json"),
    METRICS_PORT: "0",
  });
  const [code] = (await once(child, "exit")) as [number | null];
  t.is(code, 2, output());
  t.regex(output(), /sd-agent: invalid configuration:\n {2}- start-up check: Exoscale API rejected the credentials .*401 Unauthorized/);
  t.notRegex(output(), /at .*\.(ts|cjs):\d+/);
  t.notRegex(output(), /not-the-secret/);
});

test("the built bundle exits 2 naming METRICS_PORT when the port is taken", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-bundle-port-");
  const pool = emu.createPool({ size: 1 });
  const holder = createServer();
  const { port } = await listen(holder, 0, "127.0.0.1");
  t.teardown(() => closeServer(holder));
  const { child, output } = spawnAgent({ ...emulatorEnv(emu, pool.id), SD_FILE: join(dir, "config.json"), METRICS_PORT: String(port) });
  const [code] = (await once(child, "exit")) as [number | null];
  t.is(code, 2, output());
  t.regex(output(), new RegExp(`METRICS_PORT ${port} is already in use on 127\\.0\\.0\\.1: choose another port \\(0 picks a free one\\)`));
  t.notRegex(output(), /at .*\.(ts|cjs):\d+/);
});
