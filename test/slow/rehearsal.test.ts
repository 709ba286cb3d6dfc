/**
 * The deployment rehearsed on a real systemd host (`npm run rehearse`): a booted Debian 12 container in its
 * own network namespace runs the monitoring host's remote commands as the mocked Pulumi graph holds them,
 * twice, then a changed bundle and a failing unit. Run as its own process, as a user runs it, so its signal
 * handlers clean up whatever stops it. Needs root; as another user it skips with a note.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkPrerequisites, prerequisiteProblems } from "../../sandbox/rehearsal/prerequisites.js";
import type { RehearsalReport } from "../../sandbox/rehearsal/rehearsal.js";
import { leftovers } from "../../sandbox/rehearsal/teardown.js";
import { tempDir } from "../helpers/fs.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

// Declared skipped unless asked for: on our CI machines the rehearsal's NAT table has been seen accepted and
// visible to its own nft calls yet absent for the rest of the machine, so apt inside the host stalled (cause
// not found). Until then it runs by hand (`sudo npm run rehearse`), or here with
// EXOSCALE_AUTOSCALER_REHEARSAL_IN_AVA=1 under `npm run test:slow`.
const rehearsal =
  process.env.EXOSCALE_AUTOSCALER_REHEARSAL_IN_AVA === "1" && process.env.EXOSCALE_AUTOSCALER_SLOW_TESTS === "1" ? test : test.skip;

rehearsal("the graph's remote commands run on a booted host, twice, and leave nothing behind", async (t) => {
  const prerequisites = checkPrerequisites();
  if (!prerequisites.root) {
    t.log("skipped: the rehearsal needs root (sudo npm run rehearse)");
    t.pass();
    return;
  }
  const problems = prerequisiteProblems(prerequisites);
  if (problems) {
    if (process.env.CI === "true") t.fail(problems);
    else {
      t.log(`skipped: ${problems}`);
      t.pass();
    }
    return;
  }
  const dir = await tempDir(t, "rehearsal-");
  const reportFile = join(dir, "report.json");
  const child = spawn(process.execPath, ["--import", "tsx", "sandbox/rehearsal/main.ts", "--report", reportFile], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  // Within the slow suite's 10 minutes: SIGTERM (the rehearsal cleans up), then the result is a failure.
  const timer = setTimeout(() => child.kill("SIGTERM"), 8 * 60_000);
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  clearTimeout(timer);
  t.is(code, 0, output);
  const report = JSON.parse(await readFile(reportFile, "utf8")) as RehearsalReport;
  t.log(`timings (s): ${JSON.stringify(report.timings)}`);
  t.deepEqual(report.failures, [], output);
  t.true(report.checks.length >= 8 && report.checks.every((c) => c.ok), JSON.stringify(report.checks, null, 2));
  t.deepEqual(report.idempotency, [], "the second run changed nothing");
  t.deepEqual(report.changedBundle.reran, ["copy-scaler.cjs", "scaler"]);
  t.is(report.faults.length, 2, JSON.stringify(report.faults));
  t.deepEqual(report.leftovers, []);
  t.deepEqual(await leftovers(), []);
  t.true((report.timings.totalSeconds ?? Infinity) < 300, `within five minutes: ${report.timings.totalSeconds} s`);
});
