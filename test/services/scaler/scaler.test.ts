/**
 * The wired scaler (HTTP app + loop + driver) against the in-process API emulator: shutdown order and
 * start-up errors. Fake timers drive the loop and the emulator's latency; HTTP is real, on loopback.
 */
import test from "ava";
import { createServer } from "node:http";
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sinon from "sinon";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { clientOptionsFromEnv } from "../../../lib/exoscale/env.js";
import { startScaler, type ScalerDeps } from "../../../services/scaler/scaler.js";
import { parseState } from "../../../services/scaler/stateFile.js";
import { ConfigError } from "../../../lib/shared/env.js";
import { closeServer, listen } from "../../../lib/shared/http.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { emulatorEnv, startTestEmulator } from "../../helpers/emulator.js";
import { drive } from "../../helpers/fakeTime.js";
import { tempDir } from "../../helpers/fs.js";
import { waitFor } from "../../helpers/wait.js";

const FAKE = {
  toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] as Array<
    "setTimeout" | "clearTimeout" | "setInterval" | "clearInterval" | "Date"
  >,
};

const deps = (logger: ReturnType<typeof createMemoryLogger>): ScalerDeps => ({
  createApi: (config) => createExoscaleClient({ ...clientOptionsFromEnv(config.exoscale), retry: { limit: 0 } }),
  logger,
  defaultMetrics: false,
});

/** Real I/O turns with fake time: 50 ms every 10 turns, at most 20 s of fake time. */
const DRIVE = { stepMs: 50, turns: 10, maxSteps: 400 };

test.serial("SIGTERM-like stop during a tick's read: the listener closes first and no scale call reaches the API", async (t) => {
  const clock = sinon.useFakeTimers({ now: Date.parse("2026-01-01T12:00:00Z"), ...FAKE });
  t.teardown(() => clock.restore());
  // Every API answer takes 1 s (fake), so the first tick is still reading when stop() comes.
  const emulator = await startTestEmulator(t, { host: "127.0.0.1", faults: { latencyMs: 1_000 } });
  const pool = emulator.createPool({ size: 1 });
  const logger = createMemoryLogger("scaler");
  // The start-up read of the pool takes its 1 s of fake time too.
  const scaler = await drive(
    clock,
    startScaler({ ...emulatorEnv(emulator, pool.id), LISTEN_HOST: "127.0.0.1", LISTEN_PORT: "0", SCALING_PRESET: "course" }, deps(logger)),
    DRIVE,
  );
  const before = emulator.requestCount;
  await clock.tickAsync(0); // the first tick starts at once
  await drive(clock, () => emulator.requestCount > before, DRIVE);

  t.is((await fetch(`${scaler.url}/up`)).status, 202, "accepted while running");
  let stopped = false;
  const stopping = scaler.stop().then(() => (stopped = true));
  await t.throwsAsync(fetch(`${scaler.url}/up`), undefined, "a stopping scaler accepts nothing");
  await drive(clock, () => stopped, DRIVE);
  await stopping;

  t.false(emulator.requests.some((q) => q.operation === "scale-instance-pool" || q.operation === "evict-instance-pool-members"));
  t.is(emulator.pool(pool.id).size, 1);
  const decision = logger.lines.find((l) => l["msg"] === "decision");
  t.like(decision, { reason: "up signal", from: 1, to: 2, notApplied: "scaler stopping" });
  t.is(logger.lines.at(-1)?.["msg"], "scaler stopped");
});

test("a LISTEN_HOST that is not an address of this machine, or a LISTEN_PORT in use, is a configuration error naming it", async (t) => {
  const emulator = await startTestEmulator(t, { host: "127.0.0.1" });
  const pool = emulator.createPool({ size: 1 });
  // TEST-NET-1 (RFC 5737): never assigned to a local interface, so bind fails at once without DNS.
  const badHost = await t.throwsAsync(
    startScaler({ ...emulatorEnv(emulator, pool.id), LISTEN_HOST: "192.0.2.1", LISTEN_PORT: "0" }, deps(createMemoryLogger())),
    {
      instanceOf: ConfigError,
    },
  );
  t.regex(badHost?.problems[0] ?? "", /LISTEN_HOST "192\.0\.2\.1" cannot be listened on \(EADDRNOTAVAIL\)/);
  const taken = createServer();
  const { port } = await listen(taken, 0, "127.0.0.1");
  t.teardown(() => closeServer(taken));
  const inUse = await t.throwsAsync(
    startScaler({ ...emulatorEnv(emulator, pool.id), LISTEN_PORT: String(port) }, deps(createMemoryLogger())),
    {
      instanceOf: ConfigError,
    },
  );
  t.regex(inUse?.problems[0] ?? "", new RegExp(`LISTEN_PORT ${port} is already in use on 127\\.0\\.0\\.1`));
});

test("start-up reads the pool once: a wrong secret or an unknown pool is a configuration error; an API that is down only warns", async (t) => {
  const emulator = await startTestEmulator(t, { host: "127.0.0.1" });
  const pool = emulator.createPool({ size: 1 });
  const env = { ...emulatorEnv(emulator, pool.id), LISTEN_PORT: "0", TICK_SECONDS: "3600", SCALING_PRESET: "course" };
  const wrongSecret = await t.throwsAsync(startScaler({ ...env, EXOSCALE_SECRET: "wrong" }, deps(createMemoryLogger())), {
    instanceOf: ConfigError,
  });
  t.regex(wrongSecret?.problems[0] ?? "", /^start-up check: .*401/);
  const unknown = await t.throwsAsync(
    startScaler({ ...env, EXOSCALE_INSTANCEPOOL_ID: "0b5c8f4e-7a1d-4c3b-9e2f-6d8a1b2c3d4e" }, deps(createMemoryLogger())),
    { instanceOf: ConfigError },
  );
  t.regex(unknown?.problems[0] ?? "", /start-up check: instance pool 0b5c8f4e-7a1d-4c3b-9e2f-6d8a1b2c3d4e not found/);
  emulator.setFaults({ errorRate: 1 });
  const logger = createMemoryLogger("scaler");
  const scaler = await startScaler(env, deps(logger));
  t.teardown(() => scaler.stop());
  t.true(logger.lines.some((l) => l["level"] === "warn" && l["msg"] === "API not reachable at start-up; will keep trying"));
  t.is((await fetch(`${scaler.url}/health`)).status, 200);
});

/** A raw client that sends `text` and collects what comes back until the server closes. */
function rawClient(port: number, text: string): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, "127.0.0.1");
  socket.write(text);
  let answer = "";
  socket.on("data", (chunk: Buffer) => (answer += chunk.toString("utf8")));
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(answer)));
  socket.on("error", () => undefined);
  return { socket, closed };
}

test("a client that stalls half-way through its body gets 408 and is dropped; connections beyond the cap are refused", async (t) => {
  const emulator = await startTestEmulator(t, { host: "127.0.0.1" });
  const pool = emulator.createPool({ size: 1 });
  const logger = createMemoryLogger("scaler");
  const scaler = await startScaler(
    { ...emulatorEnv(emulator, pool.id), LISTEN_PORT: "0", TICK_SECONDS: "3600", SCALING_PRESET: "course" },
    { ...deps(logger), httpLimits: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000, checkIntervalMs: 50, maxConnections: 3 } },
  );
  t.teardown(() => scaler.stop());
  const stalled = rawClient(scaler.port, 'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":');
  const started = Date.now();
  const answer = await stalled.closed;
  t.regex(answer, /^HTTP\/1\.1 408/);
  t.true(Date.now() - started < 5_000, "dropped within the request timeout, not Node's 300 s");
  t.is(scaler.store.snapshot(Date.now()).up.length, 0, "nothing recorded from a half body");

  // Three idle connections fill the cap; a fourth is closed by the server without an answer.
  const idle = [0, 1, 2].map(() => connect(scaler.port, "127.0.0.1"));
  await Promise.all(idle.map((socket) => once(socket, "connect")));
  t.teardown(() => idle.forEach((socket) => socket.destroy()));
  const extra = rawClient(scaler.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  t.is(await extra.closed, "", "refused beyond maxConnections");
  idle.forEach((socket) => socket.destroy());
  await Promise.all(idle.map((socket) => once(socket, "close")));
  const ok = await fetch(`${scaler.url}/health`);
  t.is(ok.status, 200, "served again once connections are free");
});

test("STATE_FILE: a 202-acknowledged /up survives a restart before the next tick and is acted on after it", async (t) => {
  const emulator = await startTestEmulator(t, { host: "127.0.0.1" });
  const pool = emulator.createPool({ size: 1 });
  const dir = await tempDir(t, "scaler-restart-");
  const env = {
    ...emulatorEnv(emulator, pool.id),
    LISTEN_PORT: "0",
    TICK_SECONDS: "3600",
    SCALING_PRESET: "course",
    STATE_FILE: join(dir, "state.json"),
  };
  const first = await startScaler(env, deps(createMemoryLogger("scaler")));
  await once(first.loop.events, "tick");
  t.is((await fetch(`${first.url}/up`)).status, 202);
  // On disk by the time the 202 arrives: a crash now (no clean stop) would not lose it.
  const saved = parseState(await readFile(join(dir, "state.json"), "utf8"));
  t.true(saved.ok && saved.state.signals.pulses.length === 1);
  await first.stop();
  t.is(emulator.pool(pool.id).size, 1, "nothing scaled before the restart");

  const logger = createMemoryLogger("scaler");
  const second = await startScaler(env, deps(logger));
  t.teardown(() => second.stop());
  const [record] = (await once(second.loop.events, "tick")) as [{ reason: string; targetSize: number }];
  t.like(record, { reason: "up signal", targetSize: 2 });
  t.is(emulator.pool(pool.id).size, 2);
  t.true(logger.lines.some((l) => l["msg"] === "state restored" && l["signalsUp"] === 1));
});

test("STATE_FILE: a restart while our operation runs does not stack a second change, even if the API says the pool is running", async (t) => {
  const emulator = await startTestEmulator(t, { host: "127.0.0.1", operationDelayMs: 3_600_000 });
  const pool = emulator.createPool({ size: 1 });
  const dir = await tempDir(t, "scaler-pending-");
  const env = {
    ...emulatorEnv(emulator, pool.id),
    LISTEN_PORT: "0",
    TICK_SECONDS: "3600",
    SCALING_PRESET: "course",
    STATE_FILE: join(dir, "state.json"),
  };
  // An API whose pool reads `running` while an operation is under way: only our own memory prevents a second step.
  const runningApi: ScalerDeps["createApi"] = (config) => {
    const api = createExoscaleClient({ ...clientOptionsFromEnv(config.exoscale), retry: { limit: 0 } });
    return { ...api, getInstancePool: async (id) => ({ ...(await api.getInstancePool(id)), state: "running" }) };
  };
  const first = await startScaler(env, { ...deps(createMemoryLogger("scaler")), createApi: runningApi });
  await once(first.loop.events, "tick");
  await fetch(`${first.url}/up`);
  t.like(await first.loop.tick(), { reason: "up signal", targetSize: 2 });
  await first.stop();

  const second = await startScaler(env, { ...deps(createMemoryLogger("scaler")), createApi: runningApi });
  t.teardown(() => second.stop());
  await fetch(`${second.url}/up`);
  const [record] = (await once(second.loop.events, "tick")) as [{ reason: string; detail: string }];
  t.like(record, { reason: "target busy" });
  t.regex(record.detail, /operation pending/);
  t.is(emulator.requests.filter((q) => q.operation === "scale-instance-pool").length, 1, "one change, not two");
});

test("STATE_FILE: a corrupt file is kept aside and the scaler starts empty; unset, it says once that memory is all it has", async (t) => {
  const emulator = await startTestEmulator(t, { host: "127.0.0.1" });
  const pool = emulator.createPool({ size: 1 });
  const dir = await tempDir(t, "scaler-corrupt-");
  await writeFile(join(dir, "state.json"), "not json");
  const logger = createMemoryLogger("scaler");
  const scaler = await startScaler(
    {
      ...emulatorEnv(emulator, pool.id),
      LISTEN_PORT: "0",
      TICK_SECONDS: "3600",
      SCALING_PRESET: "course",
      STATE_FILE: join(dir, "state.json"),
    },
    deps(logger),
  );
  await scaler.stop();
  t.true(logger.lines.some((l) => l["level"] === "warn" && /state file unreadable/.test(String(l["msg"]))));
  t.true((await readdir(dir)).some((name) => name.startsWith("state.json.corrupt-")));
  const memoryOnly = createMemoryLogger("scaler");
  const plain = await startScaler(
    { ...emulatorEnv(emulator, pool.id), LISTEN_PORT: "0", TICK_SECONDS: "3600", SCALING_PRESET: "course" },
    deps(memoryOnly),
  );
  await plain.stop();
  t.is(memoryOnly.lines.filter((l) => /STATE_FILE not set/.test(String(l["msg"]))).length, 1);
});

test("stop while a :scale call is in flight: 'applying' was logged before the call, stop waits a bounded time, then says so", async (t) => {
  const emulator = await startTestEmulator(t, { host: "127.0.0.1" });
  const pool = emulator.createPool({ size: 1 });
  const logger = createMemoryLogger("scaler");
  const scaler = await startScaler(
    { ...emulatorEnv(emulator, pool.id), LISTEN_PORT: "0", TICK_SECONDS: "3600", SCALING_PRESET: "course" },
    deps(logger),
  );
  await once(scaler.loop.events, "tick");
  await fetch(`${scaler.url}/up`);
  // Once the tick has read the pool, every further answer takes 30 s: the :scale call hangs.
  const slowAfterReads = (q: { operation?: string }): void => {
    if (q.operation !== "list-instances") return;
    emulator.events.off("request", slowAfterReads);
    emulator.setFaults({ latencyMs: 30_000 });
  };
  emulator.events.on("request", slowAfterReads);
  void scaler.loop.tick();
  await waitFor(() => logger.lines.some((l) => l["msg"] === "applying"), { what: "the applying line" });
  t.like(
    logger.lines.find((l) => l["msg"] === "applying"),
    { direction: "up", from: 1, to: 2 },
  );
  const started = Date.now();
  await scaler.stop();
  t.true(Date.now() - started < 1_500, "within the stop budget");
  t.true(logger.lines.some((l) => l["msg"] === "stopping with a change in flight; its outcome is unknown" && l["to"] === 2));
  t.is(logger.lines.at(-1)?.["msg"], "scaler stopped");
});
