import test from "ava";
import { CONFIGURATIONS, DEFAULT_SIMULATION, runBenchmark, simulate, TRACES } from "../../../bench/policy.js";
import { COURSE_POLICY } from "../../../services/scaler/policy/options.js";

test("bench: the simulation stays within the bounds for every trace and configuration", (t) => {
  for (const trace of Object.values(TRACES)) {
    for (const options of Object.values(CONFIGURATIONS)) {
      const { minutes } = simulate(trace, options);
      t.true(minutes.every((m) => m.size >= options.minSize && m.size <= options.maxSize));
    }
  }
});

test("bench: the course policy follows a load step up and back down by one member per tick", (t) => {
  const trace = [...Array(5).fill(0.2), ...Array(20).fill(2.5), ...Array(40).fill(0.2)];
  const { minutes, metrics } = simulate(trace, COURSE_POLICY, { ...DEFAULT_SIMULATION, bootSeconds: 0 });
  const sizes = minutes.map((m) => m.size);
  for (let i = 1; i < sizes.length; i += 1) t.true(Math.abs(sizes[i]! - sizes[i - 1]!) <= 1, `minute ${i}`);
  t.true(Math.max(...sizes) >= 4, "grew to carry 2.5 members' worth of CPU under 80 %");
  t.is(sizes.at(-1), 1, "back to MIN_SIZE after the load left");
  t.true(metrics.adaptations >= 6);
});

test("bench: proportional sizing reaches a spike with fewer member-minutes than ±1", (t) => {
  const course = simulate(TRACES["spike"]!, COURSE_POLICY).metrics;
  const proportional = simulate(TRACES["spike"]!, { ...COURSE_POLICY, mode: "proportional" }).metrics;
  t.true(proportional.underTimeshare <= course.underTimeshare);
  t.true(proportional.memberMinutes < course.memberMinutes);
});

test("bench: the report is a deterministic Markdown table", (t) => {
  const report = runBenchmark();
  t.is(report, runBenchmark());
  t.regex(report, /^\| trace \| configuration \|/);
  t.is(report.split("\n").length, 2 + Object.keys(TRACES).length * Object.keys(CONFIGURATIONS).length);
});
