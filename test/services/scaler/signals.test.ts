import test from "ava";
import { parseNotification, type ParseOptions } from "../../../services/scaler/signals.js";
import { fixture } from "./fixtures.js";

const webhook: ParseOptions = { cpuValueRef: "B" };
const up: ParseOptions = { cpuValueRef: "B", pathDirection: "up" };
const down: ParseOptions = { cpuValueRef: "B", pathDirection: "down" };

test("an empty body on /up and /down is one pulse", (t) => {
  t.deepEqual(parseNotification("", up), {
    ok: true,
    value: { format: "bare", signals: [{ direction: "up", source: "request", key: "", status: "pulse" }], ignored: [] },
  });
  const r = parseNotification("  \n", down);
  t.true(r.ok && r.value.signals[0]!.direction === "down" && r.value.signals[0]!.status === "pulse");
});

test("an empty JSON object on /up is a pulse too", (t) => {
  const r = parseNotification("{}", up);
  t.true(r.ok && r.value.format === "bare");
});

test("an empty body on /webhook is refused", (t) => {
  const r = parseNotification("", webhook);
  t.false(r.ok);
});

test("Grafana firing: direction from the label, value from the configured refId", (t) => {
  const r = parseNotification(fixture("grafana-firing-up"), webhook);
  t.deepEqual(r, {
    ok: true,
    value: {
      format: "grafana",
      signals: [
        {
          direction: "up",
          source: "grafana",
          key: "grafana:a1b2c3d4e5f60718",
          status: "firing",
          startsAt: "2026-01-01T11:58:00Z",
          value: 91.5,
        },
      ],
      ignored: [],
    },
  });
});

test("Grafana: another refId can be chosen", (t) => {
  const r = parseNotification(fixture("grafana-firing-up"), { cpuValueRef: "C" });
  t.true(r.ok && r.value.signals[0]!.value === 1);
});

test("Grafana resolved is a resolved signal", (t) => {
  const r = parseNotification(fixture("grafana-resolved-up"), webhook);
  t.true(r.ok);
  if (r.ok) t.like(r.value.signals[0], { direction: "up", status: "resolved", key: "grafana:a1b2c3d4e5f60718" });
});

test("Grafana with several alerts: each by its own status and label; unlabelled ones are reported", (t) => {
  const r = parseNotification(fixture("grafana-several"), webhook);
  if (!r.ok) return t.fail(r.error);
  t.deepEqual(
    r.value.signals.map((s) => [s.direction, s.status, s.value]),
    [
      ["up", "firing", 85],
      ["down", "resolved", 35],
    ],
  );
  t.is(r.value.ignored.length, 1);
  t.regex(r.value.ignored[0]!, /Disk full.*scale=up\|down/);
});

test("on /up or /down the path gives unlabelled alerts their direction; a contradicting label is ignored", (t) => {
  const r = parseNotification(fixture("grafana-several"), down);
  if (!r.ok) return t.fail(r.error);
  t.deepEqual(
    r.value.signals.map((s) => [s.key, s.direction]),
    [
      ["grafana:2222222222222222", "down"],
      ["grafana:3333333333333333", "down"],
    ],
  );
  t.deepEqual(r.value.ignored, ["alerts[0] (High CPU) has scale=up but was sent to /down"]);
});

test("an up payload replayed to /down (HMAC signs only the body) is refused, for every format", (t) => {
  const grafana = parseNotification(fixture("grafana-firing-up"), down);
  t.deepEqual(grafana, { ok: false, error: "no usable alert in the payload: alerts[0] (High CPU) has scale=up but was sent to /down" });
  const alertmanager = parseNotification(fixture("alertmanager-firing-down"), up);
  t.false(alertmanager.ok);
  if (!alertmanager.ok) t.regex(alertmanager.error, /has scale=down but was sent to \/up/);
  const legacy = parseNotification(JSON.stringify({ ruleId: 7, ruleName: "High CPU", state: "alerting", tags: { scale: "up" } }), down);
  t.false(legacy.ok);
  if (!legacy.ok) t.regex(legacy.error, /tagged scale=up was sent to \/down/);
  // The same payloads on their own path are fine.
  t.true(parseNotification(fixture("grafana-firing-up"), up).ok);
  t.true(parseNotification(fixture("alertmanager-firing-down"), down).ok);
});

test("Alertmanager v4: value from the annotation", (t) => {
  const r = parseNotification(fixture("alertmanager-firing-down"), webhook);
  t.deepEqual(r, {
    ok: true,
    value: {
      format: "alertmanager",
      signals: [
        {
          direction: "down",
          source: "alertmanager",
          key: "alertmanager:d00dfeed00000001",
          status: "firing",
          startsAt: "2026-01-01T11:30:00.000Z",
          value: 12.5,
        },
      ],
      ignored: [],
    },
  });
  const resolved = parseNotification(fixture("alertmanager-resolved-down"), webhook);
  t.true(resolved.ok && resolved.value.signals[0]!.status === "resolved");
});

test("an alert without fingerprint is keyed by its labels", (t) => {
  const body = JSON.stringify({
    version: "4",
    status: "firing",
    alerts: [{ status: "firing", labels: { scale: "up", alertname: "X" }, startsAt: "2026-01-01T00:00:00Z" }],
  });
  const r = parseNotification(body, webhook);
  t.true(r.ok && r.value.signals[0]!.key === "alertmanager:alertname=X,scale=up");
});

test("legacy Grafana (≤ 10) alerting/ok on /up", (t) => {
  const r = parseNotification(fixture("grafana-legacy-alerting"), up);
  t.true(r.ok);
  if (r.ok)
    t.deepEqual(r.value.signals, [{ direction: "up", source: "grafana-legacy", key: "grafana-legacy:7", status: "firing", value: 88.2 }]);
  const ok = parseNotification(JSON.stringify({ ruleId: 7, ruleName: "High CPU", state: "ok" }), up);
  t.true(ok.ok && ok.value.signals[0]!.status === "resolved");
});

const bad: Array<[string, string, ParseOptions, RegExp]> = [
  ["malformed JSON", '{"version": "1",', webhook, /^malformed JSON/],
  ["malformed JSON on /up", "{oops", up, /^malformed JSON/],
  ["a JSON array", "[1,2]", up, /must be a JSON object/],
  ["a JSON string", '"up"', up, /must be a JSON object/],
  ["unknown version", JSON.stringify({ version: "2", alerts: [] }), webhook, /unknown payload version "2"/],
  ["unknown object on /webhook", JSON.stringify({ hello: "world" }), webhook, /unknown payload/],
  ["alerts not an array", JSON.stringify({ version: "1", alerts: {} }), webhook, /"alerts" array/],
  ["no alerts", JSON.stringify({ version: "1", alerts: [] }), webhook, /alerts array is empty/],
  [
    "no direction anywhere",
    JSON.stringify({ version: "1", alerts: [{ status: "firing", labels: { alertname: "A" } }] }),
    webhook,
    /no scale=up\|down label/,
  ],
  ["bad status", JSON.stringify({ version: "4", alerts: [{ status: "pending", labels: { scale: "up" } }] }), webhook, /status "pending"/],
  ["alerts key on /up without version", JSON.stringify({ alerts: [] }), up, /unknown payload/],
];
for (const [name, body, options, error] of bad) {
  test(`refused: ${name}`, (t) => {
    const r = parseNotification(body, options);
    t.false(r.ok);
    if (!r.ok) t.regex(r.error, error);
  });
}

test("a body that says resolved or ok is never a pulse: accepted, nothing recorded", (t) => {
  for (const body of [
    { status: "resolved" },
    { state: "ok", title: "[OK] HighCPU" },
    { status: "Resolved", message: "custom template: CPU back to normal", receiver: "scaler" },
    { state: "normal" },
  ]) {
    for (const options of [up, down, webhook]) {
      const r = parseNotification(JSON.stringify(body), options);
      t.deepEqual(r, {
        ok: true,
        value: { format: "resolved", signals: [], ignored: ["the body says its condition is resolved: nothing to do"] },
      });
    }
  }
});

test("only an empty body or {} is a bare pulse; any other unrecognised object is refused, saying what was expected", (t) => {
  for (const body of [{ a: { b: {} } }, { status: "firing" }, { title: "[FIRING] HighCPU" }, { alerts: [] }]) {
    const r = parseNotification(JSON.stringify(body), up);
    t.false(r.ok, JSON.stringify(body));
    if (!r.ok) t.regex(r.error, /expected an empty body or \{\} \(one step\), a Grafana \(version "1"\) or Alertmanager \(version "4"\)/);
  }
  t.true(parseNotification(" { } ", up).ok);
  t.false(parseNotification("{}", webhook).ok, "{} on /webhook says nothing");
  t.false(parseNotification("[]", up).ok);
});

test("deeply nested values in version, an alert's status, a legacy state or ruleId give a 400 reason, never an exception", (t) => {
  const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
  const bodies = [
    `{"version":${deep}}`,
    `{"version":"1","alerts":[{"status":${deep},"labels":{"scale":"up"}}]}`,
    `{"version":"4","status":${deep},"alerts":[{"labels":{"scale":"up"}}]}`,
    `{"state":${deep},"ruleName":"cpu","tags":{"scale":"up"}}`,
    `{"state":"alerting","ruleId":${deep},"tags":{"scale":"up"}}`,
  ];
  for (const body of bodies) {
    for (const options of [up, webhook]) {
      const r = parseNotification(body, options);
      t.false(r.ok, body.slice(0, 60));
      if (!r.ok) t.true(r.error.length < 400, r.error.slice(0, 100));
    }
  }
});
