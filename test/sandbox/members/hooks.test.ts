/**
 * memberHooks with the in-process emulator: members serve on the emulator's loopback addresses while the
 * emulator says they exist. Each test takes its own free port for all its members (one port, many addresses).
 */
import test, { type ExecutionContext } from "ava";
import { createServer } from "node:http";
import { closeServer, listen } from "../../../lib/shared/http.js";
import type { Emulator, InstanceSnapshot } from "../../../sandbox/emulator/server.js";
import { memberHooks, type MemberHooks } from "../../../sandbox/members/hooks.js";
import { ManualClock, signedFetch, startTestEmulator } from "../../helpers/emulator.js";
import { waitFor } from "../../helpers/wait.js";
import { freePort, manualTimers } from "./helpers.js";

interface Setup {
  emu: Emulator;
  clock: ManualClock;
  hooks: MemberHooks;
  appPort: number;
  exporterPort: number;
}

async function setup(t: ExecutionContext, bootDelayMs = 3_000): Promise<Setup> {
  const appPort = await freePort();
  const exporterPort = await freePort();
  const hooks = memberHooks({ appPort, exporterPort });
  t.teardown(() => hooks.close());
  const clock = new ManualClock();
  const emu = await startTestEmulator(t, { clock, bootDelayMs, operationDelayMs: 1_000, hooks });
  return { emu, clock, hooks, appPort, exporterPort };
}

function call(emu: Emulator, method: string, relative: string, body?: unknown): Promise<Response> {
  return signedFetch(emu.url, method, relative, { key: emu.key, secret: emu.secret, ...(body === undefined ? {} : { body }) });
}

/** The body of GET url, or "down" when nothing answers there. */
async function probe(url: string): Promise<string> {
  try {
    return await (await fetch(url, { signal: AbortSignal.timeout(2_000) })).text();
  } catch {
    return "down";
  }
}

async function settle(emu: Emulator): Promise<void> {
  await waitFor(() => emu.idle, { what: "the emulator's hooks and operations to finish" });
}

test("scale up: the new member serves on its own address once the emulator calls it running", async (t) => {
  const { emu, clock, hooks, appPort, exporterPort } = await setup(t);
  const pool = emu.createPool({ size: 1 });
  await waitFor(() => hooks.members.size === 1, { what: "the first member" });
  const firstIp = emu.pool(pool.id).members[0]!.publicIp;
  t.is(await probe(`http://${firstIp}:${appPort}/health`), "OK");

  t.is((await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 })).status, 200);
  const newcomer = emu.pool(pool.id).members[1]!;
  t.not(newcomer.publicIp, firstIp);
  t.is(newcomer.state, "starting");
  await clock.advance(3_000);
  await waitFor(() => emu.pool(pool.id).members[1]!.state === "running", { what: "the boot" });
  t.is(await probe(`http://${newcomer.publicIp}:${appPort}/health`), "OK", "serves once running");
  t.regex(await probe(`http://${newcomer.publicIp}:${exporterPort}/metrics`), /node_cpu_seconds_total\{cpu="0",mode="idle"\}/);
  t.is(hooks.members.get(newcomer.id)?.address, newcomer.publicIp);
  t.deepEqual(hooks.addresses().sort(), [firstIp, newcomer.publicIp].sort());
});

test("with the emulator's boot delay, nothing answers on the address until the member turns running", async (t) => {
  const appPort = await freePort();
  const clock = new ManualClock();
  const hooks = memberHooks({ appPort, exporterPort: 0, bootDelayMs: 3_000, ...manualTimers(clock) });
  t.teardown(() => hooks.close());
  const emu = await startTestEmulator(t, { clock, bootDelayMs: 3_000, hooks });
  const pool = emu.createPool({ size: 0 });
  await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 1 });
  const member = emu.pool(pool.id).members[0]!;
  await clock.advance(2_999);
  t.is(emu.pool(pool.id).members[0]!.state, "starting");
  t.is(await probe(`http://${member.publicIp}:${appPort}/health`), "down", "still booting");
  await clock.advance(1);
  await waitFor(() => emu.pool(pool.id).members[0]!.state === "running", { what: "the boot" });
  t.is(await probe(`http://${member.publicIp}:${appPort}/health`), "OK");

  // Evicted while booting: its boot is cut short and it never listens.
  await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 });
  const doomed = emu.pool(pool.id).members[1]!;
  await call(emu, "PUT", `instance-pool/${pool.id}:evict`, { instances: [doomed.id] });
  await clock.advance(0);
  await settle(emu);
  await clock.advance(3_000);
  t.is(await probe(`http://${doomed.publicIp}:${appPort}/health`), "down");
  t.deepEqual(hooks.addresses(), [member.publicIp]);
});

test("evict: the evicted member stops serving, the others keep going", async (t) => {
  const { emu, clock, hooks, appPort } = await setup(t);
  const pool = emu.createPool({ size: 2 });
  await waitFor(() => hooks.members.size === 2, { what: "both members" });
  const [victim, survivor] = emu.pool(pool.id).members as [InstanceSnapshot, InstanceSnapshot];
  t.is(await probe(`http://${victim.publicIp}:${appPort}/health`), "OK");

  t.is((await call(emu, "PUT", `instance-pool/${pool.id}:evict`, { instances: [victim.id] })).status, 200);
  await clock.advance(1_000);
  await settle(emu);
  t.false(hooks.members.has(victim.id));
  t.is(await probe(`http://${victim.publicIp}:${appPort}/health`), "down");
  t.is(await probe(`http://${survivor.publicIp}:${appPort}/health`), "OK");
  t.deepEqual(hooks.addresses(), [survivor.publicIp]);
});

test("scale down and emulator close stop members too", async (t) => {
  const { emu, clock, hooks, appPort } = await setup(t, 0);
  const pool = emu.createPool({ size: 2 });
  await waitFor(() => hooks.members.size === 2, { what: "both members" });
  const [oldest, newest] = emu.pool(pool.id).members as [InstanceSnapshot, InstanceSnapshot];
  await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 1 });
  await clock.advance(1_000);
  await settle(emu);
  t.is(await probe(`http://${oldest.publicIp}:${appPort}/health`), "down", "Exoscale removes the oldest first");
  t.is(await probe(`http://${newest.publicIp}:${appPort}/health`), "OK");
  await emu.close();
  t.is(hooks.members.size, 0);
  t.is(await probe(`http://${newest.publicIp}:${appPort}/health`), "down");
});

test("a member removed while it boots never serves", async (t) => {
  const { emu, clock, hooks, appPort } = await setup(t);
  const pool = emu.createPool({ size: 1 });
  await waitFor(() => hooks.members.size === 1, { what: "the first member" });
  await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 });
  const booting = emu.pool(pool.id).members[1]!;
  await call(emu, "PUT", `instance-pool/${pool.id}:evict`, { instances: [booting.id] });
  await clock.advance(1_000);
  await settle(emu);
  await clock.advance(3_000);
  t.false(hooks.members.has(booting.id));
  t.is(await probe(`http://${booting.publicIp}:${appPort}/health`), "down");
});

test("an address already taken turns the instance to error instead of serving something else", async (t) => {
  const { emu, clock, hooks, appPort } = await setup(t);
  const pool = emu.createPool({ size: 1 });
  await waitFor(() => hooks.members.size === 1, { what: "the first member" });
  // The emulator hands out addresses in order: the next member gets the one after the first's.
  const next = `127.0.0.${Number(emu.pool(pool.id).members[0]!.publicIp.split(".")[3]) + 1}`;
  const squatter = createServer((_req, res) => res.end("squatter"));
  await listen(squatter, appPort, next);
  t.teardown(() => closeServer(squatter));
  await call(emu, "PUT", `instance-pool/${pool.id}:scale`, { size: 2 });
  const blocked = emu.pool(pool.id).members[1]!;
  t.is(blocked.publicIp, next);
  await clock.advance(3_000);
  await settle(emu);
  t.is(emu.pool(pool.id).members[1]!.state, "error");
  t.false(hooks.members.has(blocked.id));
});

test("a member removed during its boot never even tries its address", async (t) => {
  const appPort = await freePort();
  const clock = new ManualClock();
  const hooks = memberHooks({ appPort, exporterPort: 0, bootDelayMs: 3_000, ...manualTimers(clock) });
  t.teardown(() => hooks.close());
  // Something else holds the address: binding it would fail, so a start after the removal would show.
  const squatter = createServer((_req, res) => res.end("squatter"));
  await listen(squatter, appPort, "127.0.0.9");
  t.teardown(() => closeServer(squatter));
  const instance: InstanceSnapshot = {
    id: "6f1c3e7a-0000-4000-8000-0000000000aa",
    name: "pool-1",
    state: "starting",
    publicIp: "127.0.0.9",
    createdAt: new Date(clock.now()).toISOString(),
    poolId: "6f1c3e7a-0000-4000-8000-000000000001",
  };
  const started = hooks.onInstanceStarted!(instance) as Promise<void>;
  await clock.advance(1_000);
  await hooks.onInstanceRemoved!(instance);
  await t.notThrowsAsync(started);
  t.is(hooks.members.size, 0);
  t.is(clock.pendingTimers, 0, "the boot timer is gone");
});

test("close() stops every member and refuses later starts", async (t) => {
  const { emu, hooks, appPort } = await setup(t, 0);
  const pool = emu.createPool({ size: 1 });
  await waitFor(() => hooks.members.size === 1, { what: "the member" });
  const ip = emu.pool(pool.id).members[0]!.publicIp;
  await hooks.close();
  t.is(hooks.members.size, 0);
  t.is(await probe(`http://${ip}:${appPort}/health`), "down");
  await t.throwsAsync(async () => hooks.onInstanceStarted!({ ...emu.pool(pool.id).members[0]!, id: "later" }), { message: /closed/ });
});
