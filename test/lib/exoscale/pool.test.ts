import test from "ava";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { readPool } from "../../../lib/exoscale/pool.js";
import { ExoscaleNotFoundError } from "../../../lib/exoscale/errors.js";
import { emulatorEnv, startTestEmulator } from "../../helpers/emulator.js";

test("readPool returns the pool and its members, read with one call each", async (t) => {
  const emulator = await startTestEmulator(t);
  const pool = emulator.createPool({ size: 2, name: "web" });
  emulator.createPool({ size: 1, name: "other" });
  const env = emulatorEnv(emulator, pool.id);
  const client = createExoscaleClient({
    key: env.EXOSCALE_KEY!,
    secret: env.EXOSCALE_SECRET!,
    zone: env.EXOSCALE_ZONE!,
    endpoint: env.EXOSCALE_API_ENDPOINT!,
    retry: { limit: 0 },
  });
  const before = emulator.requestCount;
  const reading = await readPool(client, pool.id);
  t.is(reading.pool.id, pool.id);
  t.is(reading.pool.size, 2);
  t.deepEqual(reading.members.map((m) => m.id).sort(), pool.members.map((m) => m.id).sort());
  t.is(emulator.requestCount - before, 2);
  t.deepEqual(
    emulator.requests
      .slice(-2)
      .map((r) => r.operation)
      .sort(),
    ["get-instance-pool", "list-instances"],
  );
});

test("readPool rejects when the pool does not exist", async (t) => {
  const emulator = await startTestEmulator(t);
  const client = createExoscaleClient({
    key: emulator.key,
    secret: emulator.secret,
    zone: emulator.zone,
    endpoint: emulator.url,
    retry: { limit: 0 },
  });
  await t.throwsAsync(readPool(client, "00000000-0000-4000-8000-000000000000"), { instanceOf: ExoscaleNotFoundError });
});
