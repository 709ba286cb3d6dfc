import test from "ava";
import { chartSpec, renderChartSvg } from "../../../sandbox/demo/chart.js";
import { cycleState, progressLine, summarize, toCsv, type Sample } from "../../../sandbox/demo/timeline.js";

const sample = (t: number, poolSize: number, extra: Partial<Sample> = {}): Sample => ({
  t,
  load: 3,
  cpu: 50,
  poolSize,
  ready: poolSize,
  decision: "",
  ...extra,
});

const CYCLE = [sample(0, 1), sample(1, 2), sample(2, 3), sample(3, 3), sample(4, 2), sample(5, 1), sample(6, 1)];

test("the CSV has the contract's columns, one row per sample, rounded numbers and quoted text", (t) => {
  const csv = toCsv([sample(0, 1, { cpu: 12.345, decision: 'up signal, "now"' }), sample(1.5, 2, { cpu: undefined })]);
  t.is(csv, 't,load,cpu,poolSize,ready,decision\n0,3,12.3,1,1,"up signal, ""now"""\n1.5,3,,2,2,\n');
});

test("the cycle is complete only once the pool grew and then came back to its minimum", (t) => {
  t.deepEqual(cycleState(CYCLE, 1), { grew: true, shrankBack: true });
  t.deepEqual(cycleState(CYCLE.slice(0, 4), 1), { grew: true, shrankBack: false });
  t.deepEqual(cycleState([sample(0, 1), sample(1, 1)], 1), { grew: false, shrankBack: false });
  t.deepEqual(cycleState([sample(0, 2), sample(1, 3), sample(2, 2)], 1), { grew: true, shrankBack: false }, "2 is not the minimum");
});

test("the summary counts size changes up and down and says whether the cycle completed", (t) => {
  t.deepEqual(summarize(CYCLE, 1, 4), {
    minSize: 1,
    maxSize: 4,
    finalSize: 1,
    scaleUps: 2,
    scaleDowns: 2,
    durationSeconds: 6,
    peakSize: 3,
    completed: true,
  });
  t.false(summarize(CYCLE.slice(0, 3), 1, 4).completed);
});

test("a progress line shows elapsed time, load, CPU, pool and the last decision", (t) => {
  t.is(
    progressLine(sample(75, 2, { cpu: 91.4, ready: 1, decision: "up signal" }), "hold"),
    " 1:15  hold   load   3  cpu  91 %  pool 2 (1 ready)  last decision: up signal",
  );
  t.regex(progressLine(sample(0, 1, { cpu: undefined }), "ramp"), /cpu {3}– {2}/);
});

test("the chart is an SVG with both panels and the thresholds", async (t) => {
  const spec = chartSpec(CYCLE, { upCpuPercent: 80, downCpuPercent: 20 }) as { vconcat: unknown[] };
  t.is(spec.vconcat.length, 2);
  const svg = await renderChartSvg(CYCLE, { upCpuPercent: 80, downCpuPercent: 20 });
  t.true(svg.startsWith("<svg"));
  for (const text of ["average CPU (%)", "pool size", "ready members", "load (concurrent requests)"]) t.true(svg.includes(text), text);
});
