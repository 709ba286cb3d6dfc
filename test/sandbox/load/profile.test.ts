import test from "ava";
import { concurrencyAt, planLaunches, planStages, profileLevels } from "../../../sandbox/load/profile.js";

test("constant: one stage at full concurrency, all connections at the start", (t) => {
  const stages = planStages("constant", 10, 60);
  t.deepEqual(stages, [{ startMs: 0, endMs: 60_000, concurrency: 10 }]);
  t.deepEqual(planLaunches(stages), [{ atMs: 0, connections: 10 }]);
});

test("ramp: one connection more at each of N equal stages, from 1 to N", (t) => {
  const stages = planStages("ramp", 4, 60);
  t.deepEqual(stages, [
    { startMs: 0, endMs: 15_000, concurrency: 1 },
    { startMs: 15_000, endMs: 30_000, concurrency: 2 },
    { startMs: 30_000, endMs: 45_000, concurrency: 3 },
    { startMs: 45_000, endMs: 60_000, concurrency: 4 },
  ]);
  t.deepEqual(planLaunches(stages), [
    { atMs: 0, connections: 1 },
    { atMs: 15_000, connections: 1 },
    { atMs: 30_000, connections: 1 },
    { atMs: 45_000, connections: 1 },
  ]);
});

test("step: doubling at equal steps, ending at N even when N is no power of two", (t) => {
  t.deepEqual(profileLevels("step", 1), [1]);
  t.deepEqual(profileLevels("step", 8), [1, 2, 4, 8]);
  t.deepEqual(profileLevels("step", 10), [1, 2, 4, 8, 10]);
  const stages = planStages("step", 10, 10);
  t.deepEqual(
    stages.map((s) => [s.startMs, s.endMs, s.concurrency]),
    [
      [0, 2_000, 1],
      [2_000, 4_000, 2],
      [4_000, 6_000, 4],
      [6_000, 8_000, 8],
      [8_000, 10_000, 10],
    ],
  );
  t.deepEqual(
    planLaunches(stages).map((l) => l.connections),
    [1, 1, 2, 4, 2],
  );
});

test("stages cover the duration exactly, to the ms, even when it does not divide evenly", (t) => {
  for (const [profile, concurrency, seconds] of [
    ["ramp", 7, 1],
    ["ramp", 1000, 3],
    ["step", 1000, 7],
    ["ramp", 3, 10],
  ] as const) {
    const stages = planStages(profile, concurrency, seconds);
    t.is(stages[0]!.startMs, 0);
    t.is(stages.at(-1)!.endMs, seconds * 1000);
    for (let i = 1; i < stages.length; i += 1) t.is(stages[i]!.startMs, stages[i - 1]!.endMs);
    t.is(stages.at(-1)!.concurrency, concurrency, `${profile} ends at the peak`);
    t.is(
      planLaunches(stages).reduce((sum, l) => sum + l.connections, 0),
      concurrency,
      "launches add up to the peak",
    );
  }
});

test("concurrencyAt follows the stages", (t) => {
  const stages = planStages("ramp", 3, 3);
  t.deepEqual(
    [0, 999, 1_000, 2_500, 3_000].map((ms) => concurrencyAt(stages, ms)),
    [1, 1, 2, 3, 3],
  );
});

test("shrinking stages are refused: the runner never closes connections early", (t) => {
  t.throws(
    () =>
      planLaunches([
        { startMs: 0, endMs: 1, concurrency: 2 },
        { startMs: 1, endMs: 2, concurrency: 1 },
      ]),
    { instanceOf: RangeError },
  );
});
