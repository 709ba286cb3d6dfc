import test from "ava";
import { EventEmitter } from "node:events";
import { ConfigError } from "../../../services/shared/env.js";
import { runService, type ProcessLike } from "../../../services/shared/lifecycle.js";

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
  await runService("svc", async () => {
    throw new ConfigError(["EXOSCALE_KEY is required"]);
  }, { proc });
  t.deepEqual(proc.exits, [2]);
  t.regex(proc.stderrText, /svc: invalid configuration:\n {2}- EXOSCALE_KEY is required/);
  t.notRegex(proc.stderrText, /at .*\.ts:\d+/);
});

test("SIGTERM stops the service once and exits 0", async (t) => {
  const proc = new FakeProcess();
  let stops = 0;
  await runService("svc", async () => ({ stop: async () => { stops += 1; } }), { proc });
  proc.emit("SIGTERM");
  proc.emit("SIGINT");
  await new Promise((resolve) => setImmediate(resolve));
  t.is(stops, 1);
  t.deepEqual(proc.exits, [0]);
});

test("a failing start exits 1", async (t) => {
  const proc = new FakeProcess();
  await runService("svc", async () => { throw new Error("port in use"); }, { proc });
  t.deepEqual(proc.exits, [1]);
  t.regex(proc.stderrText, /failed to start: port in use/);
});
