import test, { type ExecutionContext } from "ava";
import { createServer } from "node:http";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RefreshOutcome } from "../../../services/sd-agent/agent.js";
import { startSdAgent } from "../../../services/sd-agent/service.js";
import { API_UNREACHABLE_AT_START } from "../../../lib/exoscale/startupCheck.js";
import { ConfigError } from "../../../lib/shared/env.js";
import { closeServer, listen } from "../../../lib/shared/http.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { emulatorEnv, startTestEmulator } from "../../helpers/emulator.js";
import { tempDir } from "../../helpers/fs.js";
import { waitFor } from "../../helpers/wait.js";

const UNKNOWN_POOL = "9a3c5a6e-1f2b-4c3d-8e4f-5a6b7c8d9e0f";

/** A port that was free a moment ago: after a refused start it must be free again (nothing was left open). */
async function freePort(): Promise<number> {
  const probe = createServer();
  const { port } = await listen(probe, 0, "127.0.0.1");
  await closeServer(probe);
  return port;
}

/** True when nothing listens on 127.0.0.1:port any more: binding it works. */
async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  try {
    await listen(probe, port, "127.0.0.1");
    return true;
  } catch {
    return false;
  } finally {
    await closeServer(probe);
  }
}

/** A port held by a server of the test's own until the test ends. */
async function takenPort(t: ExecutionContext): Promise<number> {
  const holder = createServer();
  const { port } = await listen(holder, 0, "127.0.0.1");
  t.teardown(() => closeServer(holder));
  return port;
}

test("starts from the environment, serves /metrics and /health, and stops cleanly", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const pool = emu.createPool({ size: 2 });
  const logger = createMemoryLogger("sd-agent");
  let first!: (outcome: RefreshOutcome) => void;
  const refreshed = new Promise<RefreshOutcome>((resolve) => (first = resolve));
  const service = await startSdAgent(
    {
      ...emulatorEnv(emu, pool.id),
      SD_FILE: join(dir, "sd", "config.json"),
      METRICS_PORT: "0",
    },
    { logger, onRefresh: (outcome) => first(outcome) },
  );
  t.like(await refreshed, { ok: true, changed: true });
  t.truthy(service.metricsUrl);
  const metrics = await fetch(`${service.metricsUrl}/metrics`);
  t.is(metrics.status, 200);
  t.regex(metrics.headers.get("content-type")!, /^text\/plain/);
  const text = await metrics.text();
  t.regex(text, /^sd_agent_targets 2$/m);
  t.regex(text, /^sd_agent_refresh_errors_total\{kind="server"\} 0$/m);
  t.regex(text, /^sd_agent_last_success_timestamp_seconds \d+/m);
  t.regex(text, /^process_cpu_user_seconds_total /m, "default process metrics are exported too");
  t.is(await (await fetch(`${service.metricsUrl}/health`)).text(), "ok\n");
  t.is((await fetch(`${service.metricsUrl}/nope`)).status, 404);
  t.is((await fetch(`${service.metricsUrl}/metrics`, { method: "POST" })).status, 405);
  t.like(
    logger.lines.find((l) => l.msg === "sd agent started"),
    { pools: [pool.id], endpoint: emu.url, targetPort: 9100, intervalSeconds: 10 },
  );
  t.false(JSON.stringify(logger.lines).includes(emu.secret), "the secret is never logged");

  await service.stop();
  await t.throwsAsync(fetch(`${service.metricsUrl}/metrics`));
});

test("invalid configuration is a ConfigError (exit 2 under runService)", async (t) => {
  await t.throwsAsync(startSdAgent({ EXOSCALE_ZONE: "ch-gva-2" }), { instanceOf: ConfigError, message: /EXOSCALE_KEY is required/ });
});

test("an SD_FILE directory that cannot be created fails the start with the path in the message", async (t) => {
  const dir = await tempDir(t, "sd-service-");
  await writeFile(join(dir, "not-a-dir"), "");
  await t.throwsAsync(
    startSdAgent({
      EXOSCALE_KEY: "EXOk",
      EXOSCALE_SECRET: "s",
      EXOSCALE_ZONE: "ch-gva-2",
      EXOSCALE_INSTANCEPOOL_ID: "9a3c5a6e-1f2b-4c3d-8e4f-5a6b7c8d9e0f",
      SD_FILE: join(dir, "not-a-dir", "sd", "config.json"),
      METRICS_PORT: "off",
    }),
    { message: /cannot create the directory of SD_FILE .*not-a-dir\/sd\/config\.json/ },
  );
});

test("a wrong secret stops the start with a ConfigError naming 401 and the fix, leaving nothing open", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const pool = emu.createPool({ size: 1 });
  const port = await freePort();
  const error = await t.throwsAsync(
    startSdAgent(
      { ...emulatorEnv(emu, pool.id), EXOSCALE_SECRET: "wrong", SD_FILE: join(dir, "config.json"), METRICS_PORT: String(port) },
      { logger: createMemoryLogger("sd-agent") },
    ),
    { instanceOf: ConfigError },
  );
  t.regex(error.message, /start-up check: Exoscale API rejected the credentials .*\(401 Unauthorized\)/);
  t.true(await portIsFree(port), "the metrics server was never started");
  const requests = emu.requestCount;
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(emu.requestCount, requests, "no refresh loop is running");
});

test("an unknown pool stops the start with a ConfigError saying it was not found", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const known = emu.createPool({ size: 1 });
  const error = await t.throwsAsync(
    startSdAgent(
      {
        ...emulatorEnv(emu, `${known.id},${UNKNOWN_POOL}`),
        SD_FILE: join(dir, "config.json"),
        METRICS_PORT: "off",
      },
      { logger: createMemoryLogger("sd-agent") },
    ),
    { instanceOf: ConfigError },
  );
  t.deepEqual(error.problems.length, 1, error.message);
  t.regex(error.problems[0]!, new RegExp(`^start-up check: instance pool ${UNKNOWN_POOL} not found in zone ${emu.zone}`));
});

test("an API answering 503 at start-up is one warning; the agent starts and follows the pool once it answers", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const file = join(dir, "config.json");
  const pool = emu.createPool({ size: 2 });
  emu.setFaults({ errorRate: 1, retryAfterSeconds: 0 });
  const logger = createMemoryLogger("sd-agent");
  let recovered!: () => void;
  const written = new Promise<void>((resolve) => (recovered = resolve));
  const service = await startSdAgent(
    { ...emulatorEnv(emu, pool.id), SD_FILE: file, SD_INTERVAL_SECONDS: "1", METRICS_PORT: "0" },
    { logger, onRefresh: (outcome) => outcome.ok && outcome.changed && recovered() },
  );
  t.teardown(() => service.stop());
  const warnings = logger.lines.filter((l) => l.msg === API_UNREACHABLE_AT_START);
  t.is(warnings.length, 1);
  t.like(warnings[0], { level: "warn" });
  t.regex(String(warnings[0]!.error), /503/);
  t.truthy(
    logger.lines.find((l) => l.msg === "sd agent started"),
    "started despite the outage",
  );
  t.is((await fetch(`${service.metricsUrl}/health`)).status, 200);
  emu.setFaults({});
  await written;
  t.is((JSON.parse(await readFile(file, "utf8")) as unknown[]).length, 2);
});

test("a taken METRICS_PORT is a ConfigError naming METRICS_PORT", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const pool = emu.createPool({ size: 1 });
  const port = await takenPort(t);
  const error = await t.throwsAsync(
    startSdAgent(
      { ...emulatorEnv(emu, pool.id), SD_FILE: join(dir, "config.json"), METRICS_PORT: String(port) },
      { logger: createMemoryLogger("sd-agent") },
    ),
    { instanceOf: ConfigError },
  );
  t.deepEqual(error.problems, [`METRICS_PORT ${port} is already in use on 127.0.0.1: choose another port (0 picks a free one)`]);
});

test("a METRICS_HOST that is not an address of this machine is a ConfigError naming METRICS_HOST", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const pool = emu.createPool({ size: 1 });
  const error = await t.throwsAsync(
    startSdAgent(
      { ...emulatorEnv(emu, pool.id), SD_FILE: join(dir, "config.json"), METRICS_PORT: "0", METRICS_HOST: "192.0.2.1" },
      { logger: createMemoryLogger("sd-agent") },
    ),
    { instanceOf: ConfigError },
  );
  t.deepEqual(error.problems, [
    'METRICS_HOST "192.0.2.1" cannot be listened on (EADDRNOTAVAIL): use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0',
  ]);
});

test("an SD_FILE that is a directory is a ConfigError naming SD_FILE, before the API is called", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const pool = emu.createPool({ size: 1 });
  const sdFile = join(dir, "targets.json");
  await mkdir(sdFile);
  const error = await t.throwsAsync(
    startSdAgent({ ...emulatorEnv(emu, pool.id), SD_FILE: sdFile, METRICS_PORT: "off" }, { logger: createMemoryLogger("sd-agent") }),
    { instanceOf: ConfigError },
  );
  t.deepEqual(error.problems, [`SD_FILE ${sdFile} is a directory: point SD_FILE at a file in it, e.g. ${sdFile}/config.json`]);
  t.is(emu.requestCount, 0);
});

test("an existing SD_FILE that cannot be read fails the start naming SD_FILE and the path", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const pool = emu.createPool({ size: 1 });
  // A symbolic link to itself: it exists, and every read of it fails (ELOOP), also for root.
  const sdFile = join(dir, "loop.json");
  await symlink(sdFile, sdFile);
  const error = await t.throwsAsync(
    startSdAgent({ ...emulatorEnv(emu, pool.id), SD_FILE: sdFile, METRICS_PORT: "off" }, { logger: createMemoryLogger("sd-agent") }),
  );
  t.false(error instanceof ConfigError);
  t.true(error.message.startsWith(`cannot read SD_FILE ${sdFile}: `), error.message);
  t.regex(error.message, /ELOOP/);
});

test("an API slower than a 1 s interval is still answered: the file is written and the slowness is not an error", async (t) => {
  // Every answer takes 2.5 s, longer than the interval (and than the old 2 s clamped timeout).
  const emulator = await startTestEmulator(t, { host: "127.0.0.1", faults: { latencyMs: 2_500 } });
  const pool = emulator.createPool({ size: 2 });
  const dir = await tempDir(t, "sd-slow-");
  const file = join(dir, "config.json");
  const outcomes: RefreshOutcome[] = [];
  const service = await startSdAgent(
    { ...emulatorEnv(emulator, pool.id), SD_FILE: file, SD_INTERVAL_SECONDS: "1", METRICS_PORT: "off" },
    { logger: createMemoryLogger("sd-agent"), onRefresh: (outcome) => outcomes.push(outcome) },
  );
  t.teardown(() => service.stop());
  const first = await waitFor(() => outcomes[0], { timeoutMs: 15_000, what: "the first refresh" });
  t.true(first.ok, first.ok ? "" : first.error.message);
  t.is((JSON.parse(await readFile(file, "utf8")) as unknown[]).length, 2);
});
