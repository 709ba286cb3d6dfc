import test from "ava";
import { CPU_MODES, CpuModel, modeSeconds, renderCpuMetrics } from "../../../sandbox/members/cpuModel.js";

const T0 = 1_000_000;

test("one job needs 10 s of the machine: done at 10 s, busy the whole time", (t) => {
  const model = new CpuModel({ startMs: T0 });
  const { id } = model.start(T0);
  t.is(model.nextFinishMs(), T0 + 10_000);
  t.deepEqual(model.advance(T0 + 9_999), []);
  t.is(model.activeJobs, 1);
  t.deepEqual(model.advance(T0 + 10_000), [id]);
  t.is(model.activeJobs, 0);
  t.deepEqual(model.times(), { busySeconds: 10, idleSeconds: 0 });
  const { busySeconds, idleSeconds } = model.times();
  t.is(busySeconds / (busySeconds + idleSeconds), 1, "busy fraction 1");
  t.is(model.nextFinishMs(), undefined);
});

test("two jobs share the machine: both done at 20 s, not before", (t) => {
  const model = new CpuModel({ startMs: T0 });
  const a = model.start(T0).id;
  const b = model.start(T0).id;
  t.is(model.nextFinishMs(), T0 + 20_000);
  t.deepEqual(model.advance(T0 + 10_000), [], "half done each at 10 s");
  t.deepEqual(model.advance(T0 + 19_999), []);
  t.deepEqual(model.advance(T0 + 20_000), [a, b]);
  t.deepEqual(model.times(), { busySeconds: 20, idleSeconds: 0 });
});

test("a job arriving later shares only from then on", (t) => {
  const model = new CpuModel({ startMs: T0 });
  const a = model.start(T0).id;
  // At 4 s, a has 6 s left; b needs 10 s. Shared: a ends after 12 s more (at 16 s), b then has 4 s left (ends at 20 s).
  const b = model.start(T0 + 4_000).id;
  t.is(model.nextFinishMs(), T0 + 16_000);
  t.deepEqual(model.advance(T0 + 16_000), [a]);
  t.is(model.nextFinishMs(), T0 + 20_000);
  t.deepEqual(model.advance(T0 + 20_000), [b]);
  t.deepEqual(model.times(), { busySeconds: 20, idleSeconds: 0 });
});

test("one advance across several finishes books them all, in finishing order", (t) => {
  const model = new CpuModel({ startMs: T0, loadCpuSeconds: 2 });
  const a = model.start(T0).id;
  const b = model.start(T0 + 1_000).id;
  // a: 1 s alone, then 1 s left shared → ends at 3 s; b: 1 s done by then, 1 s left alone → ends at 4 s; idle 6 s.
  t.deepEqual(model.advance(T0 + 10_000), [a, b]);
  t.deepEqual(model.times(), { busySeconds: 4, idleSeconds: 6 });
});

test("idle time grows when no job runs; a cancelled job leaves the CPU", (t) => {
  const model = new CpuModel({ startMs: T0 });
  model.advance(T0 + 5_000);
  t.deepEqual(model.times(), { busySeconds: 0, idleSeconds: 5 });
  const { id } = model.start(T0 + 5_000);
  const other = model.start(T0 + 5_000).id;
  t.deepEqual(model.cancel(id, T0 + 7_000), { cancelled: true, finished: [] });
  // other had 9 s left at 7 s, alone now: ends at 16 s.
  t.is(model.nextFinishMs(), T0 + 16_000);
  t.deepEqual(model.cancel(id, T0 + 8_000), { cancelled: false, finished: [] });
  t.deepEqual(model.advance(T0 + 20_000), [other]);
  t.deepEqual(model.times(), { busySeconds: 11, idleSeconds: 9 });
});

test("time going backwards changes nothing", (t) => {
  const model = new CpuModel({ startMs: T0 });
  model.start(T0);
  model.advance(T0 + 3_000);
  t.deepEqual(model.advance(T0 + 1_000), []);
  t.is(model.time, T0 + 3_000);
  t.deepEqual(model.times(), { busySeconds: 3, idleSeconds: 0 });
});

test("counters never go down, and every CPU's modes add up to the elapsed time", (t) => {
  const model = new CpuModel({ startMs: T0, loadCpuSeconds: 3 });
  let previous = modeSeconds(model.times());
  for (let step = 1; step <= 200; step += 1) {
    const at = T0 + step * 137;
    if (step % 7 === 0) model.start(at);
    model.advance(at);
    const modes = modeSeconds(model.times());
    for (const mode of CPU_MODES) t.true(modes[mode] >= previous[mode], `${mode} at step ${step}`);
    const total = CPU_MODES.reduce((sum, mode) => sum + modes[mode], 0);
    t.true(Math.abs(total - (step * 137) / 1000) < 1e-9, `total at step ${step}`);
    previous = modes;
  }
});

test("busy time goes to user and a little system; the rest is idle", (t) => {
  t.deepEqual(modeSeconds({ busySeconds: 10, idleSeconds: 5 }), {
    idle: 5,
    iowait: 0,
    irq: 0,
    nice: 0,
    softirq: 0,
    steal: 0,
    system: 0.5,
    user: 9.5,
  });
});

test("the exposition has node_exporter's HELP/TYPE lines and one series per cpu and mode", (t) => {
  const text = renderCpuMetrics({ busySeconds: 10, idleSeconds: 5 }, 2);
  const lines = text.trimEnd().split("\n");
  t.is(lines[0], "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.");
  t.is(lines[1], "# TYPE node_cpu_seconds_total counter");
  t.is(lines.length, 2 + 2 * CPU_MODES.length);
  t.true(lines.includes('node_cpu_seconds_total{cpu="0",mode="idle"} 5'));
  t.true(lines.includes('node_cpu_seconds_total{cpu="1",mode="user"} 9.5'));
  t.true(lines.includes('node_cpu_seconds_total{cpu="1",mode="system"} 0.5'));
  t.true(text.endsWith("\n"));
});

test("loadCpuSeconds must be positive", (t) => {
  t.throws(() => new CpuModel({ startMs: 0, loadCpuSeconds: 0 }), { instanceOf: RangeError });
});
