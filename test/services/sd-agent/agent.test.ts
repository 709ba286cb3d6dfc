import test, { type ExecutionContext } from "ava";
import sinon from "sinon";
import { readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Emulator, EmulatorOptions } from "../../../sandbox/emulator/server.js";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { ExoscaleServerError } from "../../../lib/exoscale/errors.js";
import type { ComputeApi, Instance } from "../../../lib/exoscale/types.js";
import { createSdAgent, type RefreshOutcome, type SdAgentOptions } from "../../../services/sd-agent/agent.js";
import { createSdAgentMetrics } from "../../../services/sd-agent/metrics.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { ManualClock, startTestEmulator } from "../../helpers/emulator.js";
import { tempDir } from "../../helpers/fs.js";

interface Fixture {
  emu: Emulator;
  clock: ManualClock;
  api: ComputeApi;
  file: string;
  logger: ReturnType<typeof createMemoryLogger>;
  metrics: ReturnType<typeof createSdAgentMetrics>;
  agentFor(poolIds: string[], extra?: Partial<SdAgentOptions>): ReturnType<typeof createSdAgent>;
}

async function fixture(t: ExecutionContext, emulatorOptions: EmulatorOptions = {}): Promise<Fixture> {
  const clock = new ManualClock();
  const emu = await startTestEmulator(t, { clock, ...emulatorOptions });
  const dir = await tempDir(t, "sd-agent-");
  // No retries here: each refresh is one attempt, the next interval is the retry.
  const api = createExoscaleClient({ key: emu.key, secret: emu.secret, zone: "ch-gva-2", endpoint: emu.url, retry: { limit: 0 } });
  const logger = createMemoryLogger("sd-agent");
  const metrics = createSdAgentMetrics({ defaultMetrics: false });
  const file = join(dir, "sd", "config.json");
  return {
    emu,
    clock,
    api,
    file,
    logger,
    metrics,
    agentFor: (poolIds, extra = {}) =>
      createSdAgent({
        api,
        poolIds,
        targetPort: 9100,
        sdFile: file,
        intervalMs: 10_000,
        zone: "ch-gva-2",
        logger,
        metrics,
        now: () => 1_767_225_600_000,
        ...extra,
      }),
  };
}

async function fileTargets(file: string): Promise<string[]> {
  const groups = JSON.parse(await readFile(file, "utf8")) as { targets: string[] }[];
  return groups.flatMap((g) => g.targets).sort();
}

function runningTargets(emu: Emulator, poolId: string, port = 9100): string[] {
  return emu
    .pool(poolId)
    .members.filter((m) => m.state === "running")
    .map((m) => `${m.publicIp}:${port}`)
    .sort();
}

async function metricValue(f: Fixture, name: string, labels = ""): Promise<number | undefined> {
  const text = await f.metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

test("discovers the pool's members after scaling up and down, and writes only on change", async (t) => {
  const f = await fixture(t, { operationDelayMs: 1_000, bootDelayMs: 2_000 });
  const pool = f.emu.createPool({ size: 1 });
  const agent = f.agentFor([pool.id]);

  t.like(await agent.refresh(), { ok: true, changed: true });
  t.deepEqual(await fileTargets(f.file), runningTargets(f.emu, pool.id));
  t.is((await fileTargets(f.file)).length, 1);
  const firstWrite = await stat(f.file);

  t.like(await agent.refresh(), { ok: true, changed: false });
  t.is((await stat(f.file)).ino, firstWrite.ino, "an unchanged pool does not rewrite the file");

  await f.api.scaleInstancePool(pool.id, 4);
  await agent.refresh();
  t.is((await fileTargets(f.file)).length, 1, "starting members are not scraped yet");
  await f.clock.advance(2_000);
  await agent.refresh();
  t.deepEqual(await fileTargets(f.file), runningTargets(f.emu, pool.id));
  t.is((await fileTargets(f.file)).length, 4);

  const victims = f.emu
    .pool(pool.id)
    .members.slice(0, 2)
    .map((m) => m.id);
  await f.api.evictInstancePoolMembers(pool.id, victims);
  await agent.refresh();
  t.is((await fileTargets(f.file)).length, 2, "members being destroyed leave at once");
  await f.clock.advance(1_000);
  await f.api.scaleInstancePool(pool.id, 1);
  await f.clock.advance(1_000);
  await agent.refresh();
  t.deepEqual(await fileTargets(f.file), runningTargets(f.emu, pool.id));
  t.is((await fileTargets(f.file)).length, 1);

  const changes = f.logger.lines.filter((l) => l.msg === "targets changed");
  t.is(changes.length, 4, "one log line per change");
  t.is((changes[1]!.added as string[]).length, 3);
  t.deepEqual(changes[1]!.removed, []);
  t.is((changes[2]!.removed as string[]).length, 2);
  t.is(await metricValue(f, "sd_agent_file_writes_total"), 4);
  t.is(await metricValue(f, "sd_agent_targets"), 1);
  t.is(await metricValue(f, "sd_agent_last_success_timestamp_seconds"), 1_767_225_600);
});

test("an API outage keeps the last good file byte for byte, counts errors by kind and logs once", async (t) => {
  const f = await fixture(t, { random: () => 0 });
  const pool = f.emu.createPool({ size: 3 });
  const agent = f.agentFor([pool.id]);
  await agent.refresh();
  const good = await readFile(f.file, "utf8");
  const before = await stat(f.file);

  f.emu.setFaults({ errorRate: 1 });
  for (let i = 0; i < 3; i += 1) t.like(await agent.refresh(), { ok: false, kind: "server" });
  f.emu.setFaults({ rateLimitRate: 1 });
  t.like(await agent.refresh(), { ok: false, kind: "rate_limit" });
  t.is(await readFile(f.file, "utf8"), good);
  t.is((await stat(f.file)).mtimeMs, before.mtimeMs);
  t.is(await metricValue(f, "sd_agent_refresh_errors_total", '{kind="server"}'), 3);
  t.is(await metricValue(f, "sd_agent_refresh_errors_total", '{kind="rate_limit"}'), 1);
  const failures = f.logger.lines.filter((l) => l.msg === "refresh failed; keeping the last good file");
  t.is(failures.length, 2, "one line when the outage starts, one when its cause changes");

  f.emu.setFaults({});
  await f.api.scaleInstancePool(pool.id, 2);
  await f.clock.advance(0);
  t.like(await agent.refresh(), { ok: true, changed: true });
  t.deepEqual(await fileTargets(f.file), runningTargets(f.emu, pool.id));
  t.like(
    f.logger.lines.find((l) => l.msg === "refresh recovered"),
    { failures: 4 },
  );
});

test("a pool that does not exist is an error, never an empty file", async (t) => {
  const f = await fixture(t);
  const agent = f.agentFor(["3f2b0e1c-0000-4000-8000-000000000001"]);
  const outcome = await agent.refresh();
  t.like(outcome, { ok: false, kind: "not_found" });
  await t.throwsAsync(stat(f.file), { code: "ENOENT" });
  const line = f.logger.lines.find((l) => l.level === "error")!;
  t.regex(line.error as string, /instance pool 3f2b0e1c-0000-4000-8000-000000000001 not found in zone ch-gva-2/);
});

test("a truly empty pool writes an empty list", async (t) => {
  const f = await fixture(t);
  const empty = f.emu.createPool({ size: 0 });
  await f.agentFor([empty.id]).refresh();
  t.is(await readFile(f.file, "utf8"), "[]\n");

  const shrinking = f.emu.createPool({ size: 2 });
  const agent = f.agentFor([shrinking.id]);
  await agent.refresh();
  t.is((await fileTargets(f.file)).length, 2);
  await f.api.scaleInstancePool(shrinking.id, 0);
  await agent.refresh();
  t.is(await readFile(f.file, "utf8"), "[]\n");
});

test("several pools are merged; a failure of any one keeps the whole file", async (t) => {
  const f = await fixture(t);
  const a = f.emu.createPool({ size: 1 });
  const b = f.emu.createPool({ size: 2 });
  const agent = f.agentFor([a.id, b.id]);
  await agent.refresh();
  t.deepEqual(await fileTargets(f.file), [...runningTargets(f.emu, a.id), ...runningTargets(f.emu, b.id)].sort());
  const good = await readFile(f.file, "utf8");
  f.emu.injectResponses([{ status: 500 }]);
  t.false((await agent.refresh()).ok);
  t.is(await readFile(f.file, "utf8"), good);
});

test("on start an identical existing file is not rewritten; a different one is replaced", async (t) => {
  const f = await fixture(t);
  const pool = f.emu.createPool({ size: 2 });
  await f.agentFor([pool.id]).refresh();
  const before = await stat(f.file);
  const startAndFirstRefresh = async (): Promise<RefreshOutcome> => {
    let first!: (outcome: RefreshOutcome) => void;
    const refreshed = new Promise<RefreshOutcome>((resolve) => (first = resolve));
    const agent = f.agentFor([pool.id], { metrics: createSdAgentMetrics({ defaultMetrics: false }), onRefresh: first });
    await agent.start();
    const outcome = await refreshed;
    await agent.stop();
    return outcome;
  };
  t.like(await startAndFirstRefresh(), { ok: true, changed: false });
  t.is((await stat(f.file)).ino, before.ino, "a restart with the same members leaves the file alone");

  await writeFile(f.file, "[]\n");
  t.like(await startAndFirstRefresh(), { ok: true, changed: true });
  t.deepEqual(await fileTargets(f.file), runningTargets(f.emu, pool.id));
});

test.serial("the loop refreshes at once and then every interval, and stop() ends it", async (t) => {
  const clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ["setTimeout", "clearTimeout", "Date"] });
  t.teardown(() => clock.restore());
  const dir = await tempDir(t, "sd-loop-");
  let size = 1;
  const member = (i: number): Instance => ({
    id: `i-${i}`,
    name: `pool-${i}`,
    state: "running",
    publicIp: `127.0.0.${i + 2}`,
    createdAt: "",
    managerId: "p",
    labels: {},
  });
  const getPool = sinon.stub().resolves({ id: "p", name: "p", size, state: "running", instanceIds: [], labels: {} });
  const listMembers = sinon.stub().callsFake(async () => Array.from({ length: size }, (_, i) => member(i)));
  const api = { getInstancePool: getPool, listPoolMembers: listMembers } as unknown as ComputeApi;
  const metrics = createSdAgentMetrics({ defaultMetrics: false });
  const file = join(dir, "config.json");
  const agent = createSdAgent({
    api,
    poolIds: ["p"],
    targetPort: 9100,
    sdFile: file,
    intervalMs: 10_000,
    logger: createMemoryLogger(),
    metrics,
  });
  t.teardown(() => agent.stop());
  // Real file I/O needs real turns of the event loop: wait (bounded) until the refresh has scheduled the next one.
  const untilScheduled = async (): Promise<void> => {
    // Bounded by real time (performance.now is not faked), not by a turn count: fsync on a loaded machine is slow.
    const deadline = performance.now() + 15_000;
    while (clock.countTimers() === 0 && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    if (clock.countTimers() === 0) throw new Error("the refresh never scheduled the next one");
  };
  await agent.start();
  await untilScheduled();
  t.is(listMembers.callCount, 1);
  t.is((await fileTargets(file)).length, 1);
  await clock.tickAsync(9_999);
  t.is(listMembers.callCount, 1);
  size = 3;
  await clock.tickAsync(1);
  t.is(listMembers.callCount, 2);
  await untilScheduled();
  t.is((await fileTargets(file)).length, 3);
  await clock.tickAsync(10_000);
  t.is(listMembers.callCount, 3);
  await untilScheduled();
  await agent.stop();
  await clock.tickAsync(60_000);
  t.is(listMembers.callCount, 3, "no refresh after stop");
  t.is(clock.countTimers(), 0, "no timer left behind");
});

test("a listing that contradicts the pool (members exist, none listed) keeps the file", async (t) => {
  const dir = await tempDir(t, "sd-inconsistent-");
  const file = join(dir, "config.json");
  await writeFile(file, '[{"targets":["127.0.0.2:9100"],"labels":{}}]\n');
  const api = {
    getInstancePool: async () => ({ id: "p", name: "p", size: 1, state: "running", instanceIds: ["i-1"], labels: {} }),
    listPoolMembers: async () => [],
  } as unknown as ComputeApi;
  const agent = createSdAgent({
    api,
    poolIds: ["p"],
    targetPort: 9100,
    sdFile: file,
    intervalMs: 10_000,
    logger: createMemoryLogger(),
    metrics: createSdAgentMetrics({ defaultMetrics: false }),
  });
  t.like(await agent.refresh(), { ok: false, kind: "invalid_response" });
  t.is(await readFile(file, "utf8"), '[{"targets":["127.0.0.2:9100"],"labels":{}}]\n');
});

test("a long outage whose failing call alternates logs one failure line and one recovery line", async (t) => {
  const dir = await tempDir(t, "sd-outage-");
  let refreshes = 0;
  let outage = true;
  // The two parallel calls fail in turn, so each refresh's error message names a different path.
  const serverError = (path: string): ExoscaleServerError => new ExoscaleServerError({ status: 503, method: "GET", path });
  const api = {
    getInstancePool: async () => {
      refreshes += 1;
      if (outage && refreshes % 2 === 1) throw serverError("/v2/instance-pool/p");
      return { id: "p", name: "p", size: 1, state: "running", instanceIds: ["i-1"], labels: {} };
    },
    listPoolMembers: async () => {
      if (outage && refreshes % 2 === 0) throw serverError("/v2/instance");
      return [{ id: "i-1", name: "pool-1", state: "running", publicIp: "127.0.0.2", createdAt: "", managerId: "p", labels: {} }];
    },
  } as unknown as ComputeApi;
  const logger = createMemoryLogger("sd-agent");
  const agent = createSdAgent({
    api,
    poolIds: ["p"],
    targetPort: 9100,
    sdFile: join(dir, "config.json"),
    intervalMs: 10_000,
    logger,
    metrics: createSdAgentMetrics({ defaultMetrics: false }),
  });
  const messages = new Set<string>();
  for (let i = 0; i < 10; i += 1) {
    const outcome = await agent.refresh();
    t.like(outcome, { ok: false, kind: "server" });
    if (!outcome.ok) messages.add(outcome.error.message);
  }
  t.is(messages.size, 2, "the failing call did alternate");
  outage = false;
  t.like(await agent.refresh(), { ok: true });
  t.like(await agent.refresh(), { ok: true });
  const failures = logger.lines.filter((l) => l.msg === "refresh failed; keeping the last good file");
  t.is(failures.length, 1, JSON.stringify(failures));
  t.like(failures[0], { kind: "server", failures: 1 });
  t.deepEqual(
    logger.lines.filter((l) => l.level === "warn" || l.level === "error"),
    failures,
  );
  const recoveries = logger.lines.filter((l) => l.msg === "refresh recovered");
  t.is(recoveries.length, 1);
  t.like(recoveries[0], { failures: 10 });
});

test("an existing SD_FILE that cannot be read at start rejects naming SD_FILE and the path, and starts no loop", async (t) => {
  const f = await fixture(t);
  const pool = f.emu.createPool({ size: 1 });
  const dir = await tempDir(t, "sd-agent-loop-");
  const sdFile = join(dir, "loop.json");
  await symlink(sdFile, sdFile); // exists, and every read fails with ELOOP, also for root
  const agent = f.agentFor([pool.id], { sdFile });
  const error = await t.throwsAsync(agent.start());
  t.true(error.message.startsWith(`cannot read SD_FILE ${sdFile} at start: `), error.message);
  t.regex(error.message, /ELOOP/);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(f.emu.requestCount, 0, "no refresh was started");
});
