import test from "ava";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { parseEmulatorArgs } from "../../../sandbox/emulator/command.js";
import { createExoscaleClient } from "../../../lib/exoscale/client.js";
import { ConfigError } from "../../../lib/shared/env.js";

const ROOT = new URL("../../../", import.meta.url).pathname;

test("flags parse into options with documented defaults; bad ones are all reported", (t) => {
  t.like(parseEmulatorArgs([]), {
    port: 8081,
    host: "127.0.0.1",
    zone: "ch-gva-2",
    poolSize: 1,
    operationDelayMs: 1_000,
    bootDelayMs: 3_000,
    faults: {},
  });
  t.like(
    parseEmulatorArgs(["--port", "0", "--pool-size", "3", "--error-rate", "0.2", "--rate-limit-rate", "0.1", "--fail-operations", "1"]),
    {
      port: 0,
      poolSize: 3,
      faults: { errorRate: 0.2, rateLimitRate: 0.1, failOperations: 1 },
    },
  );
  const error = t.throws(() => parseEmulatorArgs(["--port", "x", "--error-rate", "2", "--zone", "mars-1", "--key", "k"]), {
    instanceOf: ConfigError,
  });
  t.is(error.problems.length, 4);
  t.throws(() => parseEmulatorArgs(["--bogus"]), { instanceOf: ConfigError, message: /Unknown option '--bogus'/ });
});

test("the command prints the environment, serves signed requests and exits 0 on SIGTERM", async (t) => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "sandbox/emulator/main.ts", "--port", "0", "--pool-size", "2", "--operation-delay-ms", "0", "--boot-delay-ms", "0"],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  child.stdout.setEncoding("utf8");
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no environment printed: ${stdout}`)), 15_000);
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      const lines = stdout.split("\n").filter((l) => l.includes("="));
      if (lines.length >= 5) {
        clearTimeout(timer);
        resolve(Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])));
      }
    });
  });
  t.regex(env.EXOSCALE_API_ENDPOINT!, /^http:\/\/127\.0\.0\.1:\d+\/v2$/);
  const client = createExoscaleClient({
    key: env.EXOSCALE_KEY!,
    secret: env.EXOSCALE_SECRET!,
    zone: env.EXOSCALE_ZONE!,
    endpoint: env.EXOSCALE_API_ENDPOINT!,
  });
  const members = await client.listPoolMembers(env.EXOSCALE_INSTANCEPOOL_ID!);
  t.is(members.length, 2);
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  t.is(code, 0);
});

test("the command exits 2 with a readable message on a bad flag", async (t) => {
  const child = spawn(process.execPath, ["--import", "tsx", "sandbox/emulator/main.ts", "--pool-size", "many"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  t.is(code, 2);
  t.regex(stderr, /--pool-size must be a whole number/);
  t.notRegex(stderr, /at .*\.ts:\d+/);
});
