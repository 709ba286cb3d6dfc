import test from "ava";
import { parsePoolCommand, runPoolCommand } from "../../../sandbox/emulator/pool-command.js";
import { startEmulator } from "../../../sandbox/emulator/server.js";
import { createExoscaleClient } from "../../../services/exoscale/client.js";
import { ExoscaleOperationError } from "../../../services/exoscale/errors.js";
import { ConfigError } from "../../../services/shared/env.js";

test("pool command arguments", (t) => {
  t.deepEqual(parsePoolCommand(["show"]), { action: "show" });
  t.deepEqual(parsePoolCommand(["scale", "4"]), { action: "scale", size: 4 });
  t.deepEqual(parsePoolCommand(["evict", "a", "b"]), { action: "evict", instanceIds: ["a", "b"] });
  for (const bad of [[], ["scale"], ["scale", "-1"], ["scale", "two"], ["evict"], ["grow", "1"]]) {
    t.throws(() => parsePoolCommand(bad), { instanceOf: ConfigError, message: /usage: pool\.ts/ });
  }
});

test("scale and evict wait for the operation, then list the members", async (t) => {
  const emu = await startEmulator();
  t.teardown(() => emu.close());
  const pool = emu.createPool({ size: 1, name: "web" });
  const api = createExoscaleClient({ key: emu.key, secret: emu.secret, zone: emu.zone, endpoint: emu.url });
  const lines: string[] = [];
  await runPoolCommand(api, pool.id, { action: "scale", size: 3 }, (line) => lines.push(line));
  t.regex(lines[0]!, /^operation .*: pending$/);
  t.regex(lines[1]!, /^operation .*: success$/);
  t.regex(lines[2]!, new RegExp(`^pool ${pool.id} \\(web\\): size 3, running$`));
  t.is(lines.filter((l) => /^ {2}\S+ {2}127\.0\.0\.\d+ {2}/.test(l)).length, 3);

  lines.length = 0;
  await runPoolCommand(api, pool.id, { action: "evict", instanceIds: [pool.members[0]!.id] }, (line) => lines.push(line));
  t.is(emu.pool(pool.id).size, 2);
  t.false(lines.some((l) => l.includes(pool.members[0]!.id)));

  emu.setFaults({ failOperations: true });
  await t.throwsAsync(runPoolCommand(api, pool.id, { action: "scale", size: 5 }, () => undefined), { instanceOf: ExoscaleOperationError });
});
