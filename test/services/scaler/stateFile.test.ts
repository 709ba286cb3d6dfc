import test from "ava";
import { readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../../../lib/shared/env.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { SignalStore } from "../../../services/scaler/signalStore.js";
import { parseState, renderState, StateFile, type ScalerState } from "../../../services/scaler/stateFile.js";
import { tempDir } from "../../helpers/fs.js";

const T0 = Date.parse("2026-01-01T12:00:00Z");

function stateOf(store: SignalStore, target: unknown = {}): ScalerState {
  return { version: 1, savedAt: new Date(T0).toISOString(), targetId: "pool-1", signals: store.exportState(), target };
}

test("a rendered state parses back to the same held signals", (t) => {
  const store = new SignalStore(600_000);
  store.record([{ direction: "up", source: "request", key: "", status: "pulse" }], T0);
  store.record(
    [{ direction: "down", source: "grafana", key: "grafana:fp", status: "firing", startsAt: "2026-01-01T11:00:00Z", value: 12 }],
    T0,
  );
  store.record([{ direction: "up", source: "grafana", key: "grafana:old", status: "resolved", startsAt: "2026-01-01T10:00:00Z" }], T0);
  const parsed = parseState(renderState(stateOf(store, { lastChangeAt: T0 })));
  if (!parsed.ok) return t.fail(parsed.problem);
  const again = new SignalStore(600_000);
  again.importState(parsed.state.signals, T0 + 1000);
  t.deepEqual(again.snapshot(T0 + 1000), store.snapshot(T0 + 1000));
  t.deepEqual(parsed.state.target, { lastChangeAt: T0 });
  // The resolved episode came back too: a late retry of its firing is still stale.
  t.is(
    again.record(
      [{ direction: "up", source: "grafana", key: "grafana:old", status: "firing", startsAt: "2026-01-01T10:00:00Z" }],
      T0 + 2000,
    )[0]!.outcome,
    "stale",
  );
  // New ids continue after the restored ones.
  const [fresh] = again.record([{ direction: "up", source: "request", key: "", status: "pulse" }], T0 + 3000);
  t.is(fresh!.outcome, "queued");
  const ids = again.snapshot(T0 + 3000).up.map((s) => s.id);
  t.is(new Set(ids).size, ids.length);
});

test("what expired while the scaler was down is dropped on import", (t) => {
  const store = new SignalStore(600_000);
  store.record([{ direction: "up", source: "request", key: "", status: "pulse" }], T0);
  const again = new SignalStore(600_000);
  again.importState(store.exportState(), T0 + 600_001);
  t.is(again.snapshot(T0 + 600_001).up.length, 0);
});

test("parseState refuses what the scaler did not write", (t) => {
  for (const text of [
    "",
    "{",
    "[]",
    '{"version":2}',
    '{"version":1,"savedAt":"x","targetId":"p","signals":{"nextId":1,"pulses":[{"id":"x"}],"alerts":[],"resolved":[]}}',
  ]) {
    t.false(parseState(text).ok, text);
  }
});

test("load: none yet → undefined; corrupt → moved aside with a warning; a directory → ConfigError naming STATE_FILE", async (t) => {
  const dir = await tempDir(t, "scaler-state-");
  const logger = createMemoryLogger("scaler");
  const path = join(dir, "state.json");
  const file = new StateFile(path, { logger, snapshot: () => stateOf(new SignalStore(0)), now: () => T0 });
  t.is(await file.load(), undefined);
  await writeFile(path, "{ half a file");
  t.is(await file.load(), undefined);
  const names = await readdir(dir);
  t.deepEqual(names, ["state.json.corrupt-2026-01-01T12-00-00-000Z"]);
  t.is(await readFile(join(dir, names[0]!), "utf8"), "{ half a file", "kept for inspection");
  t.true(logger.lines.some((l) => l["level"] === "warn" && /unreadable/.test(String(l["msg"])) && l["keptAs"] === join(dir, names[0]!)));
  await mkdir(join(dir, "adir"));
  const error = await t.throwsAsync(new StateFile(join(dir, "adir"), { logger, snapshot: () => stateOf(new SignalStore(0)) }).load(), {
    instanceOf: ConfigError,
  });
  t.regex(error?.message ?? "", /STATE_FILE .*adir cannot be read \(EISDIR\)/);
});

test("saves are group-committed: a burst costs at most two writes and the last one holds everything", async (t) => {
  const store = new SignalStore(600_000);
  const written: string[] = [];
  let release: () => void = () => undefined;
  const file = new StateFile("/unused", {
    logger: createMemoryLogger(),
    snapshot: () => stateOf(store),
    write: async (_path, content) => {
      written.push(content);
      await new Promise<void>((resolve) => (release = resolve));
    },
  });
  const saves: Promise<void>[] = [];
  for (let i = 0; i < 50; i += 1) {
    store.record([{ direction: "up", source: "request", key: "", status: "pulse" }], T0 + i);
    saves.push(file.save());
  }
  t.is(written.length, 1);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  t.is(written.length, 2);
  release();
  await Promise.all(saves);
  t.is(written.length, 2);
  const last = parseState(written[1]!);
  t.true(last.ok && last.state.signals.pulses.length === 50);
});

test("a failing write is logged once per streak and never rejects", async (t) => {
  const logger = createMemoryLogger();
  let fail = true;
  const file = new StateFile("/unused", {
    logger,
    snapshot: () => stateOf(new SignalStore(0)),
    write: async () => {
      if (fail) throw new Error("ENOSPC");
    },
  });
  await file.save();
  await file.save();
  t.is(logger.lines.filter((l) => l["level"] === "error").length, 1);
  fail = false;
  await file.save();
  t.true(logger.lines.some((l) => l["msg"] === "state file written again"));
});
