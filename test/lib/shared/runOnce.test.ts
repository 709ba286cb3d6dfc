import test from "ava";
import { EventEmitter } from "node:events";
import { ConfigError } from "../../../lib/shared/env.js";
import type { ProcessLike } from "../../../lib/shared/lifecycle.js";
import { runOnce } from "../../../lib/shared/runOnce.js";

class FakeProcess extends EventEmitter implements ProcessLike {
  stderrText = "";
  exits: number[] = [];
  readonly stderr = { write: (text: string) => (this.stderrText += text) };
  exit(code: number): void {
    this.exits.push(code);
  }
}

test("a finished task exits 0 and says nothing on stderr", async (t) => {
  const proc = new FakeProcess();
  await runOnce("job", async () => "done", { proc });
  t.deepEqual(proc.exits, [0]);
  t.is(proc.stderrText, "");
});

test("invalid configuration exits 2 with every problem and no stack trace", async (t) => {
  const proc = new FakeProcess();
  await runOnce(
    "job",
    async () => {
      throw new ConfigError(["GRAFANA_PASSWORD is required", "SCALE_UP_CPU must be a number"]);
    },
    { proc },
  );
  t.deepEqual(proc.exits, [2]);
  t.regex(proc.stderrText, /job: invalid configuration:\n {2}- GRAFANA_PASSWORD is required\n {2}- SCALE_UP_CPU/);
  t.notRegex(proc.stderrText, /at .*\.ts:\d+/);
});

test("a failure exits 1 with its message on one line", async (t) => {
  const proc = new FakeProcess();
  await runOnce(
    "job",
    async () => {
      throw new Error("Grafana refused the credentials");
    },
    { proc },
  );
  t.deepEqual(proc.exits, [1]);
  t.is(proc.stderrText, "job: Grafana refused the credentials\n");
});

test("the signal handlers are installed before the task starts", async (t) => {
  const proc = new FakeProcess();
  let listeners = -1;
  await runOnce(
    "job",
    async () => {
      listeners = proc.listenerCount("SIGTERM") + proc.listenerCount("SIGINT");
    },
    { proc },
  );
  t.is(listeners, 2);
});

test("SIGTERM aborts the task and exits 1 once: the run did not finish", async (t) => {
  const proc = new FakeProcess();
  let aborted = false;
  const running = runOnce(
    "job",
    (signal) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          aborted = true;
          reject(new Error("request aborted"));
        });
      }),
    { proc },
  );
  proc.emit("SIGTERM");
  proc.emit("SIGINT");
  await running;
  t.true(aborted);
  t.deepEqual(proc.exits, [1]);
  t.regex(proc.stderrText, /job: stopped by a signal before it finished/);
  t.notRegex(proc.stderrText, /request aborted/);
});

test("a task that still finishes after a signal exits 0: everything is in place", async (t) => {
  const proc = new FakeProcess();
  const running = runOnce(
    "job",
    (signal) => new Promise<void>((resolve) => signal.addEventListener("abort", () => setTimeout(resolve, 5))),
    { proc, stopDeadlineMs: 1000 },
  );
  proc.emit("SIGTERM");
  await running;
  t.deepEqual(proc.exits, [0]);
});

test("a task that ignores the abort is cut off at the deadline with exit 1", async (t) => {
  const proc = new FakeProcess();
  void runOnce("job", () => new Promise(() => undefined), { proc, stopDeadlineMs: 20 });
  proc.emit("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 60));
  t.deepEqual(proc.exits, [1]);
});
