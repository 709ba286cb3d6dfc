/** The fake Grafana as a command: --help, the admin password from GF_SECURITY_ADMIN_PASSWORD, one JSON line per request, exit 0 on SIGTERM. */
import test from "ava";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { parseFakeGrafanaArgs } from "../../../sandbox/grafana/command.js";
import { ConfigError } from "../../../lib/shared/env.js";
import { waitFor } from "../../helpers/wait.js";

const ROOT = new URL("../../../", import.meta.url).pathname;

test("flags and environment parse into options; bad flags are all reported", (t) => {
  t.deepEqual(parseFakeGrafanaArgs([], {}), { port: 3000, host: "127.0.0.1", notReadyMs: 0, adminUser: "admin", adminPassword: "admin" });
  t.like(parseFakeGrafanaArgs(["--port", "0", "--not-ready-ms", "500"], { GF_SECURITY_ADMIN_PASSWORD: "pw" }), {
    port: 0,
    notReadyMs: 500,
    adminPassword: "pw",
  });
  const error = t.throws(() => parseFakeGrafanaArgs(["--port", "x", "--not-ready-ms", "-1"], {}), { instanceOf: ConfigError });
  t.is(error.problems.length, 2);
  t.throws(() => parseFakeGrafanaArgs(["--bogus"], {}), { instanceOf: ConfigError, message: /Unknown option '--bogus'/ });
});

test("--help prints the usage and exits 0", async (t) => {
  const child = spawn(process.execPath, ["--import", "tsx", "sandbox/grafana/main.ts", "--help"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  const [code] = (await once(child, "exit")) as [number | null];
  t.is(code, 0);
  t.regex(out, /--port N/);
  t.regex(out, /GF_SECURITY_ADMIN_PASSWORD/);
});

test("the command checks the admin password, logs one JSON line per request and exits 0 on SIGTERM", async (t) => {
  const child = spawn(process.execPath, ["--import", "tsx", "sandbox/grafana/main.ts", "--port", "0", "--host", "127.0.0.1"], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", GF_SECURITY_ADMIN_PASSWORD: "cmd-pw" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const lines: Array<Record<string, unknown>> = [];
  let partial = "";
  child.stdout.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const part of parts) if (part.trim() !== "") lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  const started = await waitFor(() => lines.find((l) => l["msg"] === "fake grafana listening"), {
    timeoutMs: 15_000,
    what: "the start line",
  });
  const url = String(started["url"]);
  const auth = (password: string): Record<string, string> => ({
    authorization: `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`,
  });
  t.is((await fetch(`${url}/api/health`)).status, 200);
  t.is((await fetch(`${url}/api/folders`, { headers: auth("wrong") })).status, 401);
  t.is((await fetch(`${url}/api/folders`, { headers: auth("cmd-pw") })).status, 200);
  const requests = await waitFor(() => {
    const found = lines.filter((l) => l["msg"] === "request");
    return found.length >= 3 ? found : undefined;
  });
  t.deepEqual(
    requests.map((l) => [l["method"], l["path"], l["status"]]),
    [
      ["GET", "/api/health", 200],
      ["GET", "/api/folders", 401],
      ["GET", "/api/folders", 200],
    ],
  );
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  t.is(code, 0);
});
