/** The shared test helpers hold logic of their own (skip-or-fail, polling, fake-time driving): tested here. */
import test from "ava";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sinon from "sinon";
import { drive } from "./fakeTime.js";
import { tempDir } from "./fs.js";
import { requireTool } from "./tools.js";
import { waitFor } from "./wait.js";

test.serial("requireTool is true for a tool that runs", async (t) => {
  t.true(await requireTool(t, process.execPath, ["--version"]));
});

test.serial("requireTool skips a missing tool locally and fails under CI", async (t) => {
  const saved = process.env.CI;
  t.teardown(() => (saved === undefined ? delete process.env.CI : (process.env.CI = saved)));
  process.env.CI = "false";
  t.false(await requireTool(t, "no-such-tool-exoscale-autoscaler"));
  process.env.CI = "true";
  await t.throwsAsync(requireTool(t, "no-such-tool-exoscale-autoscaler"), { message: /no-such-tool-exoscale-autoscaler not installed/ });
});

test("tempDir gives a writable directory under the given prefix", async (t) => {
  const dir = await tempDir(t, "helpers-test-");
  t.regex(dir, /helpers-test-/);
  await writeFile(join(dir, "file"), "x");
  t.true((await stat(join(dir, "file"))).isFile());
});

test("waitFor resolves with the first defined, non-false probe value and times out otherwise", async (t) => {
  let calls = 0;
  t.is(await waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined), { intervalMs: 1 }), "after 3");
  t.true(await waitFor(async () => true));
  await t.throwsAsync(
    waitFor(() => false, { timeoutMs: 30, intervalMs: 5, what: "never" }),
    { message: /timed out after 30 ms waiting for never/ },
  );
});

test.serial("drive advances fake time until a promise settles, or a condition holds, and gives up after maxSteps", async (t) => {
  const clock = sinon.useFakeTimers({ now: 0, toFake: ["setTimeout", "clearTimeout", "Date"] });
  t.teardown(() => clock.restore());
  const late = new Promise<string>((resolve) => setTimeout(() => resolve("done"), 1_000));
  t.is(await drive(clock, late, { stepMs: 100 }), "done");
  t.is(Date.now(), 1_000);
  let fired = false;
  setTimeout(() => (fired = true), 500);
  await drive(clock, () => fired, { stepMs: 50, turns: 10 });
  t.true(fired);
  t.is(Date.now(), 1_500);
  const failing = new Promise((_resolve, reject) => setTimeout(() => reject(new Error("boom")), 200));
  await t.throwsAsync(drive(clock, failing), { message: "boom" });
  await t.throwsAsync(
    drive(clock, () => false, { stepMs: 10, maxSteps: 3 }),
    { message: /not done after 3 steps of 10 ms/ },
  );
});
