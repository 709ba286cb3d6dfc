/**
 * The deployment rehearsed on a real systemd host, run as a user runs it (`npm run rehearse`, so npm's
 * PATH with node_modules/.bin first is in force): a booted Debian 12 container in its own network
 * namespace runs the monitoring host's remote commands as the mocked Pulumi graph holds them, twice,
 * then a changed bundle and a failing unit; and a Ctrl-C while it runs leaves nothing behind.
 * Needs root: as another user both are declared skipped. Under CI missing packages fail them.
 */
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkPrerequisites, prerequisiteProblems } from "../../sandbox/rehearsal/prerequisites.js";
import type { RehearsalReport } from "../../sandbox/rehearsal/rehearsal.js";
import { leftovers } from "../../sandbox/rehearsal/teardown.js";
import { tempDir } from "../helpers/fs.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const prerequisites = checkPrerequisites();
const problems = prerequisiteProblems(prerequisites);
// Outside CI a machine without the packages skips; in CI it must have them (.ci/run installs them).
const runnable =
  process.env.EXOSCALE_AUTOSCALER_SLOW_TESTS === "1" && prerequisites.root && (problems === undefined || process.env.CI === "true");
// One rehearsal at a time: they share the namespace, the addresses and the run folder.
const rehearsal = runnable ? test.serial : test.skip;

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
}

function startRehearsal(args: string[]): Running {
  // Its own process group, so a Ctrl-C can be sent to npm, its shell and node together, as a terminal does.
  const child = spawn("npm", ["run", "--silent", "rehearse", "--", ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  // "close", not "exit": npm can go before the rehearsal has finished cleaning up; the pipes stay open until it has.
  const exited = new Promise<number | string>((resolve) => child.on("close", (code, signal) => resolve(code ?? signal ?? 1)));
  return { child, output: () => output, exited };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }
}

rehearsal("the graph's remote commands run on a booted host, twice, and leave nothing behind", async (t) => {
  if (problems) t.fail(problems);
  const reportFile = join(await tempDir(t, "rehearsal-"), "report.json");
  const run = startRehearsal(["--report", reportFile]);
  // Within the slow suite's 10 minutes: SIGTERM (the rehearsal cleans up), then the result is a failure.
  const timer = setTimeout(() => signalGroup(run.child, "SIGTERM"), 8 * 60_000);
  const code = await run.exited;
  clearTimeout(timer);
  t.is(code, 0, run.output());
  const report = JSON.parse(await readFile(reportFile, "utf8")) as RehearsalReport;
  t.log(`timings (s): ${JSON.stringify(report.timings)}`);
  t.deepEqual(report.failures, [], run.output());
  t.true(report.checks.length >= 8 && report.checks.every((c) => c.ok), JSON.stringify(report.checks, null, 2));
  t.deepEqual(report.idempotency, [], "the second run changed nothing");
  t.deepEqual(report.changedBundle.reran, ["copy-scaler.cjs", "scaler"]);
  t.is(report.faults.length, 2, JSON.stringify(report.faults));
  t.deepEqual(report.leftovers, []);
  t.deepEqual(await leftovers(), []);
  // The image is built once per clone (about a minute); the rehearsal itself is held to five minutes.
  const withoutImage = (report.timings.totalSeconds ?? Infinity) - (report.timings.imageBuildSeconds ?? 0);
  t.true(withoutImage < 300, `within five minutes: ${withoutImage} s`);
});

rehearsal("a Ctrl-C while the host runs its commands stops everything and leaves nothing behind", async (t) => {
  if (problems) t.fail(problems);
  const run = startRehearsal(["--no-faults"]);
  // Once the graph's first command has dialled in, the container, namespace, NAT table and mounts all exist.
  await waitFor(() => /boot: sshd answered/.test(run.output()) || run.child.exitCode !== null, {
    timeoutMs: 5 * 60_000,
    intervalMs: 200,
    what: "the host to boot",
  });
  t.regex(run.output(), /boot: sshd answered/, run.output());
  signalGroup(run.child, "SIGINT");
  // npm itself dies of the SIGINT; the rehearsal under it exits 130 once it has cleaned up.
  t.true([130, "SIGINT"].includes(await run.exited), run.output());
  t.regex(run.output(), /SIGINT: cleaning up/);
  t.deepEqual(await leftovers(), []);
});
