import test from "ava";
import { deployedSettings, runOne } from "../../bench/policyBenchmark.js";
import { measure } from "../../bench/metrics.js";
import {
  HpaController,
  requiredMembers,
  simulate,
  type PlantView,
  type PolicySpec,
  type SimulationSettings,
} from "../../bench/simulation.js";
import { WORKLOADS, WORKLOAD_NAMES, type Workload } from "../../bench/workloads.js";
import { COURSE_POLICY } from "../../services/scaler/policy/options.js";

const BASELINE: PolicySpec = { kind: "scaler", options: COURSE_POLICY, tickSeconds: 60 };
const STEP = WORKLOADS.step;
const STEP_AT = STEP.stepAtSeconds!;

/** Every delay of the chain at (almost) nothing: 1 s scrapes and evaluations, no pending, no waits, no boot. */
const ZERO: Partial<SimulationSettings> = {
  bootSeconds: 0,
  operationSeconds: 0,
  scrapeIntervalSeconds: 1,
  rateWindowSeconds: 2,
  evaluationIntervalSeconds: 1,
  evaluationOffsetSeconds: 0,
  pendingSeconds: 0,
  groupWaitSeconds: 0,
  groupIntervalSeconds: 1,
  repeatIntervalSeconds: 1,
  tickSeconds: 60,
  tickOffsetSeconds: 0,
};

const settings = (extra: Partial<SimulationSettings> = {}): SimulationSettings => ({ ...deployedSettings(), ...ZERO, ...extra });

function firstUpAfter(workload: Workload, spec: PolicySpec, s: SimulationSettings, after: number): number | undefined {
  return simulate(workload, spec, s).actions.find((a) => a.at >= after && a.to > a.from)?.at;
}

test("with zero boot time and zero delays the baseline steps up one tick after the load steps up", (t) => {
  t.is(firstUpAfter(STEP, BASELINE, settings(), STEP_AT), STEP_AT + 60);
});

test("the pending period delays the first step up by that much", (t) => {
  t.is(firstUpAfter(STEP, BASELINE, settings({ pendingSeconds: 60 }), STEP_AT), STEP_AT + 120);
});

test("group_wait past the tick delays the first step up by a tick", (t) => {
  t.is(firstUpAfter(STEP, BASELINE, settings({ groupWaitSeconds: 70 }), STEP_AT), STEP_AT + 120);
});

test("the evaluation interval and the rate() window delay detection", (t) => {
  const fast = firstUpAfter(STEP, BASELINE, settings({ tickOffsetSeconds: 30 }), STEP_AT)!;
  // Evaluated at multiples of 60 with a 60 s window over 15 s scrapes: seen at the 60 s evaluation, acted on at +90.
  const slow = firstUpAfter(
    STEP,
    BASELINE,
    settings({ tickOffsetSeconds: 30, evaluationIntervalSeconds: 60, scrapeIntervalSeconds: 15, rateWindowSeconds: 60 }),
    STEP_AT,
  )!;
  t.is(fast, STEP_AT + 30);
  t.is(slow, STEP_AT + 90);
});

test("boot time delays the recovery by the boot time", (t) => {
  const upCpu = 80;
  const reaction = (bootSeconds: number): number =>
    measure(simulate(STEP, BASELINE, settings({ bootSeconds })), { upCpu, minSize: 1, maxSize: 10, stepAtSeconds: STEP_AT })
      .reactionSeconds!;
  t.is(reaction(0), 240, "1 → 5 members at one per tick");
  t.is(reaction(120) - reaction(0), 120);
});

test("members carry load and count as serving only once booted, and a busy pool is not changed", (t) => {
  const s = settings({ bootSeconds: 120, operationSeconds: 90 });
  const run = simulate(STEP, BASELINE, s);
  const up = run.actions.find((a) => a.to > a.from)!;
  t.is(run.seconds[up.at]!.serving, up.from);
  t.is(run.seconds[up.at]!.paid, up.to, "paid from the moment it is requested");
  t.is(run.seconds[up.at + 119]!.serving, run.seconds[up.at - 1]!.serving, "not serving while booting");
  t.is(run.seconds[up.at + 120]!.serving, up.from + 1);
  for (let i = 1; i < run.actions.length; i += 1)
    t.true(run.actions[i]!.at - run.actions[i - 1]!.at >= 90, "no change while the operation runs");
});

test("a member never shows more than 100 % CPU, and overload counts the saturated minutes", (t) => {
  for (const workload of WORKLOAD_NAMES) {
    const { run } = runOne(workload, "baseline");
    t.true(
      run.seconds.every((s) => s.cpu <= 100 && s.cpu >= 0),
      workload,
    );
    t.true(
      run.seconds.every((s) => s.serving <= s.paid),
      workload,
    );
  }
  const step = runOne("step", "baseline").run;
  t.is(step.seconds[STEP_AT]!.cpu, 100, "3.8 members' worth on 1 member saturates it");
});

test("the firing alert asserts until resolved: the baseline adds members while the first new one still boots", (t) => {
  const run = simulate(STEP, BASELINE, deployedSettings());
  const ups = run.actions.filter((a) => a.to > a.from && a.at >= STEP_AT);
  t.true(ups.length >= 2);
  t.true(ups[1]!.at - ups[0]!.at < deployedSettings().bootSeconds, "second step before the first member serves");
  const kinds = run.notifications.map(([, direction, status]) => `${direction} ${status}`);
  t.true(kinds.includes("up firing") && kinds.includes("up resolved"));
});

test("the HPA's stabilisation window delays its scale-down by 5 minutes", (t) => {
  const loadDrop = (20 + 60) * 60;
  const firstDown = (downscaleStabilizationSeconds: number): number =>
    simulate(STEP, { kind: "hpa", hpa: { downscaleStabilizationSeconds } }, deployedSettings()).actions.find(
      (a) => a.at >= loadDrop && a.to < a.from,
    )!.at;
  const immediate = firstDown(0);
  const stabilised = firstDown(300);
  t.true(immediate - loadDrop <= 60, `without the window it acts within a minute (${immediate - loadDrop} s)`);
  t.true(stabilised - immediate >= 285 && stabilised - immediate <= 315, `window 300 s: ${stabilised - immediate} s later`);
});

test("the HPA counts only ready members: it does not add again while its new member boots", (t) => {
  const run = simulate(STEP, { kind: "hpa" }, deployedSettings());
  const ups = run.actions.filter((a) => a.to > a.from);
  for (let i = 1; i < ups.length; i += 1) t.true(ups[i]!.at - ups[i - 1]!.at >= deployedSettings().bootSeconds, `up ${i}`);
});

test("the oracle never overloads, pays for what the demand needs plus boot time, and no policy that never overloads pays less", (t) => {
  const s = deployedSettings();
  const staticPeak = (w: Workload): PolicySpec => {
    const peak = Math.max(...w.perMinute.map((d) => requiredMembers(d, s.upCpu, 1)));
    return { kind: "scaler", options: { ...COURSE_POLICY, minSize: peak, maxSize: peak } };
  };
  for (const name of WORKLOAD_NAMES) {
    const w = WORKLOADS[name];
    const oracle = runOne(name, "oracle");
    t.is(oracle.metrics.overloadMinutes, 0, name);
    const required = oracle.run.seconds.map((x) => requiredMembers(x.demand, s.upCpu, 1));
    const needed = required.reduce((sum, n) => sum + n, 0) / 60;
    // Each unit the demand rises by costs at most one boot time ahead of it (or bridging a shorter gap).
    const rises = required.reduce((sum, n, i) => sum + (i > 0 ? Math.max(0, n - required[i - 1]!) : 0), 0);
    t.true(oracle.metrics.instanceMinutes >= needed - 0.01, name);
    t.true(oracle.metrics.instanceMinutes <= needed + (rises * s.bootSeconds) / 60 + 0.01, name);
    const contenders: PolicySpec[] = [staticPeak(w), { kind: "hpa", hpa: { targetCpu: 30 } }, BASELINE];
    for (const spec of contenders) {
      const m = measure(simulate(w, spec, s, { initialSize: 10 }), { upCpu: s.upCpu, minSize: 1, maxSize: 10 });
      if (m.overloadMinutes === 0) t.true(m.instanceMinutes >= oracle.metrics.instanceMinutes, `${name} ${spec.kind}`);
    }
  }
});

test("the HPA algorithm: tolerance, ready members only, booting members at 0 % on a scale-up", (t) => {
  const hpa = new HpaController({ targetCpu: 72, tolerance: 0.1, syncSeconds: 15, downscaleStabilizationSeconds: 300 }, 1, 10);
  const view = (cpus: readonly number[], booting: number): PlantView => {
    const members = [
      ...cpus.map((_, i) => ({ id: `r${i}`, createdAt: -600, servingAt: -480 })),
      ...Array.from({ length: booting }, (_, i) => ({ id: `b${i}`, createdAt: -10, servingAt: 110 })),
    ];
    return { now: 0, size: members.length, busy: false, members, memberCpu: new Map(cpus.map((c, i) => [`r${i}`, c])) };
  };
  t.is(hpa.recommend(view([75, 75], 0)), 2, "within the 10 % tolerance of 72 %");
  t.is(hpa.recommend(view([100], 0)), 2, "ceil(1 × 100 / 72)");
  t.is(hpa.recommend(view([95, 95, 95, 95], 0)), 6, "ceil(4 × 95 / 72)");
  // With one member booting, counted at 0 %: 4 × 95 / (5 × 72) = 1.06, within tolerance: no change.
  t.is(hpa.recommend(view([95, 95, 95, 95], 1)), 5);
  t.is(hpa.recommend(view([30, 30, 30, 30], 1)), 2, "a scale-down ignores the booting member: ceil(4 × 30 / 72)");
});
