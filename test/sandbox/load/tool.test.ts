/**
 * The load tool end to end: `node --import tsx sandbox/load/main.ts` as a child process against a small local
 * server and against an emulated member (2 s runs), and the runner in process for the profile and for the
 * whole sandbox chain (emulator → members → NLB).
 */
import test, { type ExecutionContext } from "ava";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { closeServer, listen, urlOf } from "../../../lib/shared/http.js";
import { runLoad } from "../../../sandbox/load/run.js";
import { memberHooks } from "../../../sandbox/members/hooks.js";
import { startMember } from "../../../sandbox/members/member.js";
import { startNlb } from "../../../sandbox/nlb/nlb.js";
import { startTestEmulator } from "../../helpers/emulator.js";
import { waitFor } from "../../helpers/wait.js";
import { freePort, stopAtEnd } from "../members/helpers.js";

const ROOT = new URL("../../../", import.meta.url).pathname;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTool(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "sandbox/load/main.ts", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fast stand-in for the app: /load answers after 5 ms, every 4th one 503. Counts connections. */
async function smallServer(t: ExecutionContext): Promise<{ url: string; connections: () => number; connectedAt: number[] }> {
  let requests = 0;
  let connections = 0;
  const connectedAt: number[] = [];
  const server = createServer((_req, res) => {
    requests += 1;
    const failing = requests % 4 === 0;
    setTimeout(() => res.writeHead(failing ? 503 : 200).end(failing ? "busy" : "done"), 5);
  });
  server.on("connection", () => {
    connections += 1;
    connectedAt.push(Date.now());
  });
  const address = await listen(server, 0, "127.0.0.1");
  t.teardown(() => closeServer(server));
  return { url: urlOf(address), connections: () => connections, connectedAt };
}

function summaryNumber(stdout: string, pattern: RegExp): number {
  const match = pattern.exec(stdout);
  if (!match) throw new Error(`no ${pattern} in:\n${stdout}`);
  return Number(match[1]);
}

test("against a small server: progress every second, then a summary with errors by kind; exit 0", async (t) => {
  const server = await smallServer(t);
  const ran = await runTool(["--url", server.url, "--concurrency", "3", "--duration", "2"]);
  t.is(ran.code, 0, ran.stderr);
  t.regex(ran.stderr, new RegExp(`^load: GET ${server.url}/load, profile constant, concurrency up to 3, 2 s`, "m"));
  t.regex(ran.stderr, /^\[ {2}1 s\] requests \d+ \(\+\d+\/s\) {2}errors \d+ {2}concurrency 3$/m, "plain progress lines without a terminal");
  t.false(ran.stderr.includes("\u001b["), "no terminal escapes into a pipe");
  t.regex(ran.stdout, new RegExp(`^summary: GET ${server.url}/load, profile constant, concurrency up to 3\n`));
  const answered = summaryNumber(ran.stdout, /requests {2}(\d+) answered/);
  const ok = summaryNumber(ran.stdout, /\(2xx: (\d+),/);
  const errors = summaryNumber(ran.stdout, /errors {4}(\d+) \(HTTP 503: \d+\)/);
  t.true(answered > 20, `${answered} answers in 2 s at 5 ms each`);
  t.is(ok + errors, answered, "every answer is a 2xx or an HTTP 503 error");
  t.true(errors > 0);
  t.regex(ran.stdout, /latency {3}p50 \d+(\.\d)? ms, p90 .+, p99 .+ \(\d+ 2xx answers\)/);
  t.regex(ran.stdout, /duration {2}2\.0 s/);
  t.is(server.connections(), 3, "3 connections, kept alive");
});

test("against an emulated member: /load answers as the CPU model says, and the member is busy", async (t) => {
  // 50 ms of CPU per /load, shared by 2 connections: each answer takes about 100 ms.
  const member = stopAtEnd(t, await startMember({ address: "127.0.0.1", appPort: 0, exporterPort: 0, loadCpuSeconds: 0.05 }));
  const ran = await runTool(["--url", member.appUrl, "--concurrency", "2", "--duration", "2"]);
  t.is(ran.code, 0, ran.stderr);
  const answered = summaryNumber(ran.stdout, /requests {2}(\d+) answered/);
  t.true(answered >= 3 && answered <= 45, `${answered} answers (at most 2 × 2 s / 100 ms, give or take)`);
  t.regex(ran.stdout, /\(2xx: \d+, other: 0\)/);
  t.regex(ran.stdout, /errors {4}0\n/);
  // Never faster than the model: 50 ms alone, 100 ms when the two connections' jobs overlap.
  const p50 = summaryNumber(ran.stdout, /p50 (\d+) ms/);
  t.true(p50 >= 50 && p50 < 1_000, `p50 ${p50} ms for jobs of 50 ms`);
  t.true(member.busySeconds() >= answered * 0.05 - 1e-9, `busy ${member.busySeconds()} s for ${answered} answers`);
});

test("bad arguments exit 2 with every problem; --help prints the usage and exits 0", async (t) => {
  const bad = await runTool(["--url", "ftp://example.com", "--duration", "0"]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /^load: --url must be an http: or https: URL, got "ftp:\/\/example.com" \(scheme ftp is not supported\)$/m);
  t.regex(bad.stderr, /^load: --duration must be a whole number from 1 to 3600, got "0"$/m);
  t.is(bad.stdout, "");
  const help = await runTool(["--help"]);
  t.is(help.code, 0);
  t.regex(help.stdout, /^usage: npm run load -- --url URL/);
  t.regex(help.stdout, /--profile P/);
});

test("nothing answering: every request fails, exit 1", async (t) => {
  const port = await freePort();
  const ran = await runTool(["--url", `http://127.0.0.1:${port}`, "--concurrency", "1", "--duration", "1"]);
  t.is(ran.code, 1);
  t.regex(ran.stdout, /errors {4}\d+ \(ECONNREFUSED: \d+\)/);
  t.regex(ran.stdout, /latency {3}n\/a/);
});

test("ramp: connections are added at each stage and kept to the end", async (t) => {
  const server = await smallServer(t);
  const lines: string[] = [];
  const started = Date.now();
  const report = await runLoad(
    { url: `${server.url}/load`, concurrency: 3, durationSeconds: 3, profile: "ramp", timeoutSeconds: 10 },
    { progress: (line) => lines.push(line) },
  );
  // Ticks come at ≥ 1 s (later on a busy machine): 2 connections from 1 s, 3 from 2 s, never fewer later.
  const levels = lines.map((line) => Number(/concurrency (\d+)$/.exec(line)![1]));
  t.true(levels.length >= 1, lines.join("\n"));
  t.true(
    levels.every((level, i) => (level === 2 || level === 3) && (i === 0 || level >= levels[i - 1]!)),
    lines.join("\n"),
  );
  t.is(levels.at(-1), 3, lines.join("\n"));
  t.is(server.connections(), 3, "a stage adds a connection, none is closed and reopened");
  // Timers never fire early: the second connection opens at 1 s, the third at 2 s (later on a busy machine).
  const offsets = server.connectedAt.map((at) => at - started);
  t.true(offsets[0]! < 1_000 && offsets[1]! >= 995 && offsets[2]! >= 1_995, `connections opened at ${offsets.join(", ")} ms`);
  t.true(report.ok > 0);
  t.is(report.durationSeconds, 3);
  t.false(report.interrupted);
});

test("an abort stops the run early and the report says so", async (t) => {
  const server = await smallServer(t);
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 300);
  const started = Date.now();
  const report = await runLoad(
    { url: `${server.url}/load`, concurrency: 1, durationSeconds: 60, profile: "constant", timeoutSeconds: 10 },
    { signal: abort.signal },
  );
  t.true(Date.now() - started < 5_000);
  t.true(report.interrupted);
  t.true(report.durationSeconds < 2);
});

test("the whole sandbox chain: load through the NLB spreads over the emulator's members", async (t) => {
  const appPort = await freePort();
  const hooks = memberHooks({ appPort, exporterPort: 0, loadCpuSeconds: 0.05 });
  t.teardown(() => hooks.close());
  const emu = await startTestEmulator(t, { hooks });
  emu.createPool({ size: 2 });
  await waitFor(() => hooks.members.size === 2, { what: "two members" });
  const nlb = stopAtEnd(t, await startNlb({ port: 0, targets: () => hooks.addresses(), targetPort: appPort, intervalMs: 1_000 }));
  t.is(nlb.healthy().length, 2);
  const health = await fetch(`${nlb.url}/health`);
  t.is(await health.text(), "OK");
  const report = await runLoad({ url: `${nlb.url}/load`, concurrency: 4, durationSeconds: 2, profile: "constant", timeoutSeconds: 10 });
  t.deepEqual(report.errors, {});
  t.true(report.ok >= 4, `${report.ok} answers`);
  // Round-robin per request: both members did work, together at least what the answers needed.
  const busy = [...hooks.members.values()].map((member) => member.busySeconds());
  t.true(
    busy.every((seconds) => seconds > 0),
    `busy ${busy.join(", ")} s`,
  );
  t.true(busy[0]! + busy[1]! >= report.ok * 0.05 - 1e-9);
});
