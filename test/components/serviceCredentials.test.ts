import test from "ava";
import { SERVICE_OPERATIONS } from "../../components/serviceCredentials.js";
import { createExoscaleClient } from "../../lib/exoscale/client.js";
import type { ComputeApi } from "../../lib/exoscale/types.js";
import { startTestEmulator } from "../helpers/emulator.js";

test("the service role grants exactly the operations the client's methods call: every method works, no grant is unused", async (t) => {
  const emu = await startTestEmulator(t, {
    operationDelayMs: 0,
    bootDelayMs: 0,
    credentials: [{ key: "EXOservice", secret: "service-secret", operations: [...SERVICE_OPERATIONS] }],
  });
  const pool = emu.createPool({ size: 2 });
  const api = createExoscaleClient({ key: "EXOservice", secret: "service-secret", zone: emu.zone, endpoint: emu.url, retry: { limit: 0 } });
  // One call per ComputeApi method; the type makes a new method without an entry here a compile error.
  const calls: { [method in keyof ComputeApi]: () => Promise<unknown> } = {
    getInstancePool: () => api.getInstancePool(pool.id),
    listPoolMembers: () => api.listPoolMembers(pool.id),
    scaleInstancePool: () => api.scaleInstancePool(pool.id, 3),
    evictInstancePoolMembers: () => api.evictInstancePoolMembers(pool.id, [pool.members[0]!.id]),
    getOperation: async () => api.getOperation((await api.scaleInstancePool(pool.id, 2)).id),
    waitForOperation: async () => api.waitForOperation((await api.scaleInstancePool(pool.id, 2)).id, { intervalMs: 10 }),
  };
  t.deepEqual(Object.keys(api).sort(), Object.keys(calls).sort(), "the client implements exactly ComputeApi");
  for (const [method, call] of Object.entries(calls)) {
    await t.notThrowsAsync(call(), method);
  }
  t.deepEqual(
    emu.requests.filter((r) => r.status >= 400).map((r) => `${r.operation} ${r.status} ${r.error}`),
    [],
    "nothing was refused",
  );
  const used = [...new Set(emu.requests.map((r) => r.operation))].sort();
  t.deepEqual(used, [...SERVICE_OPERATIONS].sort(), "every grant is used by some method");
});
