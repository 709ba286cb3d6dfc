import test from "ava";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { parsePoolCommand, runPoolCommand } from "../../../sandbox/emulator/poolCommand.js";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { ExoscaleOperationError } from "../../../lib/exoscale/errors.js";
import { ConfigError } from "../../../lib/shared/env.js";
import { emulatorEnv, startTestEmulator } from "../../helpers/emulator.js";

test("pool command arguments", (t) => {
  t.deepEqual(parsePoolCommand(["show"]), { action: "show" });
  t.deepEqual(parsePoolCommand(["scale", "4"]), { action: "scale", size: 4 });
  t.deepEqual(parsePoolCommand(["evict", "a", "b"]), { action: "evict", instanceIds: ["a", "b"] });
  for (const help of [["--help"], ["-h"], ["scale", "--help"]]) t.deepEqual(parsePoolCommand(help), { action: "help" }, help.join(" "));
  for (const bad of [[], ["scale"], ["scale", "-1"], ["scale", "two"], ["evict"], ["grow", "1"], ["--helpful"]]) {
    t.throws(() => parsePoolCommand(bad), { instanceOf: ConfigError, message: /usage: npm run pool -- show/ });
  }
});

test("scale and evict wait for the operation, then list the members", async (t) => {
  const emu = await startTestEmulator(t);
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
  await t.throwsAsync(
    runPoolCommand(api, pool.id, { action: "scale", size: 5 }, () => undefined),
    { instanceOf: ExoscaleOperationError },
  );
});

test("the pool command refuses a bad zone and pool id with exit 2 before calling the API", async (t) => {
  const emu = await startTestEmulator(t);
  const child = spawn(process.execPath, ["--import", "tsx", "sandbox/emulator/pool.ts", "show"], {
    cwd: new URL("../../../", import.meta.url).pathname,
    env: {
      PATH: process.env.PATH ?? "",
      ...emulatorEnv(emu, "web"),
      EXOSCALE_ZONE: "mars-1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  t.is(code, 2, stderr);
  t.regex(stderr, /EXOSCALE_ZONE must be one of ch-gva-2, .*got "mars-1"/);
  t.regex(stderr, /EXOSCALE_INSTANCEPOOL_ID must be an instance pool UUID, got "web"/);
  t.is(emu.requestCount, 0, "nothing was sent");
});

for (const flag of ["--help", "-h"]) {
  test(`pool ${flag} prints the usage and exits 0, without needing the environment`, async (t) => {
    const child = spawn(process.execPath, ["--import", "tsx", "sandbox/emulator/pool.ts", flag], {
      cwd: new URL("../../../", import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, "exit")) as [number | null];
    t.is(code, 0, stderr);
    t.true(stdout.startsWith("usage: npm run pool -- show | scale <size> | evict <instance-id>"), stdout);
    t.regex(stdout, /EXOSCALE_INSTANCEPOOL_ID/);
    t.is(stderr, "");
  });
}
