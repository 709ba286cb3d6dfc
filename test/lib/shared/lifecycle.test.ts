import test from "ava";
import { EventEmitter } from "node:events";
import sinon from "sinon";
import { ConfigError } from "../../../lib/shared/env.js";
import { runService, type ProcessLike, type RunningService } from "../../../lib/shared/lifecycle.js";

class FakeProcess extends EventEmitter implements ProcessLike {
  stderrText = "";
  exits: number[] = [];
  readonly stderr = { write: (text: string) => (this.stderrText += text) };
  exit(code: number): void {
    this.exits.push(code);
  }
}

test("invalid configuration exits 2 with the problems and no stack trace", async (t) => {
  const proc = new FakeProcess();
  await runService(
    "svc",
    async () => {
      throw new ConfigError(["EXOSCALE_KEY is required"]);
    },
    { proc },
  );
  t.deepEqual(proc.exits, [2]);
  t.regex(proc.stderrText, /svc: invalid configuration:\n {2}- EXOSCALE_KEY is required/);
  t.notRegex(proc.stderrText, /at .*\.ts:\d+/);
});

test("SIGTERM stops the service once and exits 0", async (t) => {
  const proc = new FakeProcess();
  let stops = 0;
  await runService(
    "svc",
    async () => ({
      stop: async () => {
        stops += 1;
      },
    }),
    { proc },
  );
  proc.emit("SIGTERM");
  proc.emit("SIGINT");
  await new Promise((resolve) => setImmediate(resolve));
  t.is(stops, 1);
  t.deepEqual(proc.exits, [0]);
});

test("a failing start exits 1", async (t) => {
  const proc = new FakeProcess();
  await runService(
    "svc",
    async () => {
      throw new Error("port in use");
    },
    { proc },
  );
  t.deepEqual(proc.exits, [1]);
  t.regex(proc.stderrText, /failed to start: port in use/);
});

/** A start() the test finishes by hand, to send signals while the service is starting. */
function pendingStart(): { start: () => Promise<RunningService>; succeed(service: RunningService): void; fail(error: Error): void } {
  let succeed!: (service: RunningService) => void;
  let fail!: (error: Error) => void;
  const started = new Promise<RunningService>((resolve, reject) => {
    succeed = resolve;
    fail = reject;
  });
  return { start: () => started, succeed, fail };
}

test.serial("SIGTERM during start-up stops the service as soon as it has started, then exits 0", async (t) => {
  const clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  t.teardown(() => clock.restore());
  const proc = new FakeProcess();
  const starting = pendingStart();
  let stops = 0;
  const running = runService("svc", starting.start, { proc });
  proc.emit("SIGTERM");
  await clock.tickAsync(0);
  t.deepEqual(proc.exits, [], "nothing to stop yet: the process waits for start() instead of dying");
  starting.succeed({
    stop: async () => {
      stops += 1;
    },
  });
  await running;
  await clock.tickAsync(0);
  t.is(stops, 1);
  t.deepEqual(proc.exits, [0]);
  await clock.tickAsync(10_000);
  t.deepEqual(proc.exits, [0], "the deadline does not fire after a clean stop");
});

test.serial("a start that fails after SIGTERM exits 0, not 1", async (t) => {
  const clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  t.teardown(() => clock.restore());
  const proc = new FakeProcess();
  const starting = pendingStart();
  const running = runService("svc", starting.start, { proc });
  proc.emit("SIGINT");
  starting.fail(new Error("aborted"));
  await running;
  await clock.tickAsync(0);
  t.deepEqual(proc.exits, [0]);
});

test.serial("a stop() that never resolves still exits 0 at the deadline", async (t) => {
  const clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  t.teardown(() => clock.restore());
  const proc = new FakeProcess();
  await runService("svc", async () => ({ stop: () => new Promise<void>(() => undefined) }), { proc, stopDeadlineMs: 1_500 });
  proc.emit("SIGTERM");
  await clock.tickAsync(1_499);
  t.deepEqual(proc.exits, [], "stop() gets the whole deadline");
  await clock.tickAsync(1);
  t.deepEqual(proc.exits, [0]);
});

test.serial("a start that hangs after SIGTERM exits 0 at the deadline", async (t) => {
  const clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  t.teardown(() => clock.restore());
  const proc = new FakeProcess();
  void runService("svc", () => new Promise<RunningService>(() => undefined), { proc, stopDeadlineMs: 1_500 });
  proc.emit("SIGTERM");
  await clock.tickAsync(1_499);
  t.deepEqual(proc.exits, []);
  await clock.tickAsync(1);
  t.deepEqual(proc.exits, [0]);
});
