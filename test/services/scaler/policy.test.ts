import test from "ava";
import { decide, DECISION_REASONS, type DecisionReason } from "../../../services/scaler/policy/decide.js";
import { COURSE_POLICY, TUNED_POLICY, type PolicyOptions } from "../../../services/scaler/policy/options.js";
import type { TargetView } from "../../../services/scaler/target.js";
import type { SignalState } from "../../../services/scaler/signalStore.js";
import { asserted, pool, signals, T0 } from "./helpers.js";

interface Row {
  name: string;
  pool: TargetView;
  signals: SignalState;
  options?: Partial<PolicyOptions>;
  now?: number;
  expect: { direction: "up" | "down" | "none"; target: number; reason: DecisionReason; victims?: string[]; evaluated?: boolean };
}

const rows: Row[] = [
  { name: "no signal holds", pool: pool(3), signals: signals(0), expect: { direction: "none", target: 3, reason: "no signal" } },
  { name: "up signal adds one", pool: pool(1), signals: signals(1), expect: { direction: "up", target: 2, reason: "up signal" } },
  {
    name: "several up signals still add one",
    pool: pool(2),
    signals: signals(3),
    expect: { direction: "up", target: 3, reason: "up signal" },
  },
  {
    name: "down signal removes one",
    pool: pool(2),
    signals: signals(0, 1),
    expect: { direction: "down", target: 1, reason: "down signal" },
  },
  {
    name: "both signals: up wins",
    pool: pool(2),
    signals: signals(1, 1),
    expect: { direction: "up", target: 3, reason: "up wins over down" },
  },
  { name: "up at max holds", pool: pool(10), signals: signals(1), expect: { direction: "none", target: 10, reason: "at max" } },
  {
    name: "up one below max reaches max",
    pool: pool(9),
    signals: signals(1),
    expect: { direction: "up", target: 10, reason: "up signal" },
  },
  { name: "down at min holds", pool: pool(1), signals: signals(0, 1), expect: { direction: "none", target: 1, reason: "at min" } },
  {
    name: "down one above min reaches min",
    pool: pool(3),
    signals: signals(0, 1),
    options: { minSize: 2 },
    expect: { direction: "down", target: 2, reason: "down signal" },
  },
  {
    name: "down at a raised min holds",
    pool: pool(2),
    signals: signals(0, 1),
    options: { minSize: 2 },
    expect: { direction: "none", target: 2, reason: "at min" },
  },
  { name: "above max shrinks to max", pool: pool(12), signals: signals(0), expect: { direction: "down", target: 10, reason: "above max" } },
  {
    name: "below min grows to min",
    pool: pool(1),
    signals: signals(0, 1),
    options: { minSize: 2 },
    expect: { direction: "up", target: 2, reason: "below min" },
  },
  {
    name: "below min by more than one step grows to min at once",
    pool: pool(1),
    signals: signals(0),
    options: { minSize: 3 },
    expect: { direction: "up", target: 3, reason: "below min" },
  },
  {
    name: "above max by more than one step shrinks to max at once",
    pool: pool(6),
    signals: signals(1),
    options: { maxSize: 3 },
    expect: { direction: "down", target: 3, reason: "above max" },
  },
  {
    name: "a busy target is skipped, pulses kept",
    pool: pool(2, { busy: "scaling-up" }),
    signals: signals(1),
    expect: { direction: "none", target: 2, reason: "target busy", evaluated: false },
  },
  {
    name: "a busy target is skipped even below min",
    pool: pool(1, { busy: "operation pending" }),
    signals: signals(0, 1),
    options: { minSize: 2 },
    expect: { direction: "none", target: 1, reason: "target busy", evaluated: false },
  },
  // Warm-up and cooldown are measured from the members' created-at.
  {
    name: "warm-up blocks up while the newest member is young",
    pool: pool(2, {
      members: [
        { id: "a", createdAt: T0 - 3600_000, serving: true },
        { id: "b", createdAt: T0 - 60_000, serving: false },
      ],
    }),
    signals: signals(1),
    options: { scaleUpWarmupMs: 180_000 },
    expect: { direction: "none", target: 2, reason: "warming up" },
  },
  {
    name: "warm-up ends exactly at its length",
    pool: pool(2, {
      members: [
        { id: "a", createdAt: T0 - 3600_000, serving: true },
        { id: "b", createdAt: T0 - 180_000, serving: true },
      ],
    }),
    signals: signals(1),
    options: { scaleUpWarmupMs: 180_000 },
    expect: { direction: "up", target: 3, reason: "up signal" },
  },
  {
    name: "warm-up still holds 1 ms before its end",
    pool: pool(2, {
      members: [
        { id: "a", createdAt: T0 - 3600_000, serving: true },
        { id: "b", createdAt: T0 - 179_999, serving: true },
      ],
    }),
    signals: signals(1),
    options: { scaleUpWarmupMs: 180_000 },
    expect: { direction: "none", target: 2, reason: "warming up" },
  },
  {
    name: "warm-up over allows up",
    pool: pool(2, {
      members: [
        { id: "a", createdAt: T0 - 3600_000, serving: true },
        { id: "b", createdAt: T0 - 181_000, serving: true },
      ],
    }),
    signals: signals(1),
    options: { scaleUpWarmupMs: 180_000 },
    expect: { direction: "up", target: 3, reason: "up signal" },
  },
  {
    name: "cooldown blocks down after a recent member",
    pool: pool(3, {
      members: [
        { id: "a", createdAt: T0 - 3600_000, serving: true },
        { id: "b", createdAt: T0 - 3600_000, serving: true },
        { id: "c", createdAt: T0 - 100_000, serving: true },
      ],
    }),
    signals: signals(0, 1),
    options: { scaleDownCooldownMs: 300_000 },
    expect: { direction: "none", target: 3, reason: "cooling down" },
  },
  {
    name: "cooldown blocks down after our own recent change",
    pool: pool(3, { lastChangeAt: T0 - 60_000 }),
    signals: signals(0, 1),
    options: { scaleDownCooldownMs: 300_000 },
    expect: { direction: "none", target: 3, reason: "cooling down" },
  },
  {
    name: "cooldown does not block up",
    pool: pool(3, { lastChangeAt: T0 - 60_000 }),
    signals: signals(1),
    options: { scaleDownCooldownMs: 300_000 },
    expect: { direction: "up", target: 4, reason: "up signal" },
  },
  {
    name: "cooldown ends exactly at its length",
    pool: pool(3, { lastChangeAt: T0 - 300_000 }),
    signals: signals(0, 1),
    options: { scaleDownCooldownMs: 300_000 },
    expect: { direction: "down", target: 2, reason: "down signal" },
  },
  {
    name: "cooldown still holds 1 ms before its end",
    pool: pool(3, { lastChangeAt: T0 - 299_999 }),
    signals: signals(0, 1),
    options: { scaleDownCooldownMs: 300_000 },
    expect: { direction: "none", target: 3, reason: "cooling down" },
  },
  {
    name: "cooldown over allows down",
    pool: pool(3, { lastChangeAt: T0 - 301_000 }),
    signals: signals(0, 1),
    options: { scaleDownCooldownMs: 300_000 },
    expect: { direction: "down", target: 2, reason: "down signal" },
  },
  // Step mode ignores values: the course's ±1.
  {
    name: "step mode ignores the cpu value",
    pool: pool(2),
    signals: signals([asserted("up", { value: 99 })]),
    expect: { direction: "up", target: 3, reason: "up signal" },
  },
  // Proportional: ceil(n × cpu / target), capped by MAX_STEP and the bounds.
  {
    name: "proportional up",
    pool: pool(2),
    signals: signals([asserted("up", { value: 90 })]),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 4, reason: "up signal" },
  },
  {
    name: "proportional up rounds the wanted size up (2 at 85 % for 50 % wants 4)",
    pool: pool(2),
    signals: signals([asserted("up", { value: 85 })]),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 4, reason: "up signal" },
  },
  {
    name: "proportional up at or below target with every member serving still adds one",
    pool: pool(2),
    signals: signals([asserted("up", { value: 50 })]),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 3, reason: "up signal" },
  },
  {
    name: "proportional up capped by MAX_STEP",
    pool: pool(4),
    signals: signals([asserted("up", { value: 100 })]),
    options: { mode: "proportional", maxStep: 2 },
    expect: { direction: "up", target: 6, reason: "up signal" },
  },
  {
    name: "proportional up capped by MAX_SIZE",
    pool: pool(8),
    signals: signals([asserted("up", { value: 100 })]),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 10, reason: "up signal" },
  },
  {
    name: "proportional up uses the highest value",
    pool: pool(2),
    signals: signals([asserted("up", { value: 60 }), asserted("up", { value: 95 })]),
    options: { mode: "proportional", maxStep: 5 },
    expect: { direction: "up", target: 4, reason: "up signal" },
  },
  {
    name: "proportional up adds at least one",
    pool: pool(4),
    signals: signals([asserted("up", { value: 55 })]),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 5, reason: "up signal" },
  },
  {
    name: "proportional up without a value steps by one",
    pool: pool(4),
    signals: signals(1),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 5, reason: "up signal" },
  },
  {
    name: "proportional down",
    pool: pool(6),
    signals: signals(0, [asserted("down", { value: 15 })]),
    options: { mode: "proportional" },
    expect: { direction: "down", target: 3, reason: "down signal" },
  },
  {
    name: "proportional down aims at SCALE_DOWN_TARGET_CPU, not TARGET_CPU (6 at 15 % for 45 % wants 2)",
    pool: pool(6),
    signals: signals(0, [asserted("down", { value: 15 })]),
    options: { mode: "proportional", targetCpu: 20, scaleDownTargetCpu: 45, maxStep: 10 },
    expect: { direction: "down", target: 2, reason: "down signal" },
  },
  {
    name: "proportional down capped by MAX_STEP",
    pool: pool(10),
    signals: signals(0, [asserted("down", { value: 5 })]),
    options: { mode: "proportional" },
    expect: { direction: "down", target: 7, reason: "down signal" },
  },
  {
    name: "proportional down stops at MIN_SIZE",
    pool: pool(3),
    signals: signals(0, [asserted("down", { value: 0 })]),
    options: { mode: "proportional", minSize: 2 },
    expect: { direction: "down", target: 2, reason: "down signal" },
  },
  // A value from before our last change describes the old size: never re-applied.
  {
    name: "proportional holds on a value that predates our last change",
    pool: pool(2, { lastChangeAt: T0 - 60_000 }),
    signals: signals([asserted("up", { kind: "alert", value: 95, valueAt: T0 - 120_000 })]),
    options: { mode: "proportional" },
    expect: { direction: "none", target: 2, reason: "stale value" },
  },
  {
    name: "proportional uses a value received after our last change",
    pool: pool(2, { lastChangeAt: T0 - 60_000 }),
    signals: signals([
      asserted("up", { kind: "alert", value: 95, valueAt: T0 - 120_000 }),
      asserted("up", { kind: "alert", value: 90, valueAt: T0 - 10_000 }),
    ]),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 4, reason: "up signal" },
  },
  {
    name: "proportional: a bare /up beside a stale value still steps by one",
    pool: pool(2, { lastChangeAt: T0 - 60_000 }),
    signals: signals([asserted("up", { kind: "alert", value: 95, valueAt: T0 - 120_000 }), asserted("up")]),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 3, reason: "up signal" },
  },
  {
    name: "step mode steps on a stale value",
    pool: pool(2, { lastChangeAt: T0 - 60_000 }),
    signals: signals([asserted("up", { kind: "alert", value: 95, valueAt: T0 - 120_000 })]),
    expect: { direction: "up", target: 3, reason: "up signal" },
  },
  {
    name: "proportional down holds on a stale value",
    pool: pool(4, { lastChangeAt: T0 - 60_000 }),
    signals: signals(0, [asserted("down", { kind: "alert", value: 5, valueAt: T0 - 120_000 })]),
    options: { mode: "proportional" },
    expect: { direction: "none", target: 4, reason: "stale value" },
  },
  // The alert's average covers running members only; booting members already answer it.
  {
    name: "proportional up holds while booting members cover the demand",
    pool: pool(4, {
      members: [
        ...pool(2).members,
        { id: "b1", createdAt: T0 - 30_000, serving: false },
        { id: "b2", createdAt: T0 - 30_000, serving: false },
      ],
    }),
    signals: signals([asserted("up", { value: 95 })]),
    options: { mode: "proportional" },
    expect: { direction: "none", target: 4, reason: "covered by booting members" },
  },
  {
    name: "proportional up sized on running members when booting ones are not enough",
    pool: pool(3, { members: [...pool(2).members, { id: "b1", createdAt: T0 - 30_000, serving: false }] }),
    signals: signals([asserted("up", { value: 100 })]),
    options: { mode: "proportional" },
    expect: { direction: "up", target: 4, reason: "up signal" },
  },
  {
    name: "step mode ignores booting members (the course's +1)",
    pool: pool(4, {
      members: [
        ...pool(2).members,
        { id: "b1", createdAt: T0 - 30_000, serving: false },
        { id: "b2", createdAt: T0 - 30_000, serving: false },
      ],
    }),
    signals: signals([asserted("up", { value: 95 })]),
    expect: { direction: "up", target: 5, reason: "up signal" },
  },
  // Flap guard: a scale-in whose projected CPU would fire the up alert is skipped or shrunk.
  {
    name: "flap guard skips a scale-in that would cross SCALE_UP_CPU",
    pool: pool(2),
    signals: signals(0, [asserted("down", { value: 45 })]),
    expect: { direction: "none", target: 2, reason: "flap guard" },
  },
  {
    name: "flap guard lets a safe scale-in through",
    pool: pool(2),
    signals: signals(0, [asserted("down", { value: 15 })]),
    expect: { direction: "down", target: 1, reason: "down signal" },
  },
  {
    name: "flap guard shrinks a proportional scale-in",
    pool: pool(6),
    signals: signals(0, [asserted("down", { value: 30 })]),
    options: { mode: "proportional", targetCpu: 90, scaleUpCpu: 60 },
    expect: { direction: "down", target: 4, reason: "down signal" },
  },
  {
    name: "flap guard off allows it",
    pool: pool(2),
    signals: signals(0, [asserted("down", { value: 45 })]),
    options: { flapGuard: false },
    expect: { direction: "down", target: 1, reason: "down signal" },
  },
  // Victims through evict.
  {
    name: "victim newest",
    pool: pool(3),
    signals: signals(0, 1),
    options: { victim: "newest" },
    expect: { direction: "down", target: 2, reason: "down signal", victims: ["m3"] },
  },
  {
    name: "victim oldest",
    pool: pool(3),
    signals: signals(0, 1),
    options: { victim: "oldest" },
    expect: { direction: "down", target: 2, reason: "down signal", victims: ["m1"] },
  },
  {
    name: "victims for a multi-step scale-in",
    pool: pool(6),
    signals: signals(0, [asserted("down", { value: 10 })]),
    options: { victim: "oldest", mode: "proportional" },
    expect: { direction: "down", target: 3, reason: "down signal", victims: ["m1", "m2", "m3"] },
  },

  {
    name: "victim falls back to the pool's choice when members are unknown",
    pool: pool(3, { members: [] }),
    signals: signals(0, 1),
    options: { victim: "newest" },
    expect: { direction: "down", target: 2, reason: "down signal" },
  },
];

for (const row of rows) {
  test(`policy: ${row.name}`, (t) => {
    const decision = decide(row.pool, row.signals, { ...COURSE_POLICY, ...row.options }, row.now ?? T0);
    t.is(decision.direction, row.expect.direction);
    t.is(decision.targetSize, row.expect.target);
    t.is(decision.currentSize, row.pool.size);
    t.is(decision.reason, row.expect.reason);
    t.deepEqual(decision.victims, row.expect.victims);
    t.is(decision.evaluated, row.expect.evaluated ?? true);
    // A decision uses up exactly the pulses it saw, except while the target is busy or a warm-up or cooldown holds.
    const pulses = [...row.signals.up, ...row.signals.down].filter((s) => s.kind === "pulse").map((s) => s.id);
    const waits = !decision.evaluated || decision.reason === "warming up" || decision.reason === "cooling down";
    t.deepEqual([...decision.consumes].sort(), waits ? [] : pulses.sort());
    t.true((DECISION_REASONS as readonly string[]).includes(decision.reason));
    t.true(decision.detail.length > 0);
  });
}

test("policy: the course sequence 1 → /up → 2 → /down → 1 → /down → stays 1", (t) => {
  let size = 1;
  const steps: Array<["up" | "down", number]> = [
    ["up", 2],
    ["down", 1],
    ["down", 1],
  ];
  for (const [direction, expected] of steps) {
    const d = decide(pool(size), direction === "up" ? signals(1) : signals(0, 1), COURSE_POLICY, T0);
    size = d.targetSize;
    t.is(size, expected, `after /${direction}`);
  }
});

test("policy, default settings: the course contract holds (a bare /up adds exactly one, /down at the minimum changes nothing)", (t) => {
  // Members an hour old: no warm-up or cooldown holds.
  const up = decide(pool(1), signals(1), TUNED_POLICY, T0);
  t.like(up, { direction: "up", currentSize: 1, targetSize: 2, reason: "up signal" });
  const down = decide(pool(2), signals(0, 1), TUNED_POLICY, T0);
  t.like(down, { direction: "down", targetSize: 1, reason: "down signal" });
  const atMin = decide(pool(1), signals(0, 1), TUNED_POLICY, T0);
  t.like(atMin, { direction: "none", targetSize: 1, reason: "at min" });
  // A firing alert's value sizes the step: a saturated member wants five (100 / TARGET_CPU 20).
  t.like(decide(pool(1), signals([asserted("up", { kind: "alert", value: 100, valueAt: T0 })]), TUNED_POLICY, T0), {
    direction: "up",
    targetSize: 5,
  });
  // Right after a change the waits hold, and a bare request is kept for when they are over.
  const young = pool(2, { members: [...pool(1).members, { id: "b", createdAt: T0 - 60_000, serving: true }], lastChangeAt: T0 - 60_000 });
  const held = decide(young, signals(1), TUNED_POLICY, T0);
  t.like(held, { direction: "none", reason: "warming up", consumes: [] });
  t.like(decide(young, signals(1), TUNED_POLICY, T0 - 60_000 + TUNED_POLICY.scaleUpWarmupMs), { direction: "up", targetSize: 3 });
  t.like(decide(young, signals(0, 1), TUNED_POLICY, T0), { direction: "none", reason: "cooling down", consumes: [] });
  t.like(decide(young, signals(0, 1), TUNED_POLICY, T0 - 60_000 + TUNED_POLICY.scaleDownCooldownMs), { direction: "down", targetSize: 1 });
});

test("policy: never leaves [MIN_SIZE, MAX_SIZE] for any size and signal mix", (t) => {
  const modes = ["step", "proportional"] as const;
  for (const mode of modes) {
    for (let size = 1; size <= 10; size += 1) {
      for (const value of [undefined, 0, 19, 50, 81, 100]) {
        for (const [up, down] of [
          [1, 0],
          [0, 1],
          [1, 1],
          [0, 0],
        ] as const) {
          const state = signals(
            up ? [asserted("up", value === undefined ? {} : { value })] : [],
            down ? [asserted("down", value === undefined ? {} : { value })] : [],
          );
          const d = decide(pool(size), state, { ...COURSE_POLICY, mode, minSize: 2, maxSize: 7 }, T0);
          if (size >= 2 && size <= 7) {
            t.true(d.targetSize >= 2 && d.targetSize <= 7, `${mode} size ${size} value ${value} up ${up} down ${down} → ${d.targetSize}`);
            if (d.direction === "up") t.true(d.targetSize > size);
            if (d.direction === "down") t.true(d.targetSize < size);
          }
        }
      }
    }
  }
});

test("policy: a bare /up during a warm-up and a bare /down during a cooldown are kept; one at a bound is used up", (t) => {
  const young = pool(2, { members: [...pool(1).members, { id: "b", createdAt: T0 - 60_000, serving: false }] });
  const warming = decide(young, signals(1), { ...COURSE_POLICY, scaleUpWarmupMs: 180_000 }, T0);
  t.is(warming.reason, "warming up");
  t.deepEqual(warming.consumes, []);
  const cooling = decide(pool(3, { lastChangeAt: T0 - 1000 }), signals(0, 1), { ...COURSE_POLICY, scaleDownCooldownMs: 300_000 }, T0);
  t.is(cooling.reason, "cooling down");
  t.deepEqual(cooling.consumes, []);
  const state = signals(0, 1);
  const atMin = decide(pool(1), state, COURSE_POLICY, T0);
  t.is(atMin.reason, "at min");
  t.deepEqual(atMin.consumes, [state.down[0]!.id]);
});
