import test from "ava";
import { createServer } from "node:http";
import { createApp, REQUEST_LOG_WINDOW_MS } from "../../../services/scaler/app.js";
import type { AuthSettings } from "../../../services/scaler/auth.js";
import { createScalerMetrics } from "../../../services/scaler/metrics.js";
import { SignalStore } from "../../../services/scaler/signalStore.js";
import { closeServer, listen, urlOf } from "../../../lib/shared/http.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { fixture } from "./fixtures.js";
import { waitFor } from "../../helpers/wait.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");

async function start(
  t: { teardown(fn: () => unknown): void },
  auth: Partial<AuthSettings> = {},
  bodyLimitBytes = 4096,
  persist?: () => Promise<void>,
) {
  const store = new SignalStore(600_000);
  const metrics = createScalerMetrics({ defaultMetrics: false });
  const logger = createMemoryLogger("scaler");
  const app = createApp({
    store,
    auth: { hmacMaxSkewMs: 300_000, ...auth },
    bodyLimitBytes,
    cpuValueRef: "B",
    metrics,
    logger,
    status: () => ({ hello: "status" }),
    nextTickAt: () => "2026-01-01T12:01:00.000Z",
    now: () => NOW,
    ...(persist !== undefined ? { persist } : {}),
  });
  const server = createServer(app);
  const url = urlOf(await listen(server, 0, "127.0.0.1"));
  t.teardown(() => closeServer(server));
  const recorded = () => {
    const s = store.snapshot(NOW);
    return { up: s.up.length, down: s.down.length };
  };
  return { url, store, metrics, logger, recorded };
}

test("bare GET /up answers 202 and queues one up pulse", async (t) => {
  const { url, recorded } = await start(t);
  const res = await fetch(`${url}/up`);
  t.is(res.status, 202);
  t.deepEqual(await res.json(), {
    format: "bare",
    recorded: [{ direction: "up", status: "pulse", key: "", outcome: "queued" }],
    nextTickAt: "2026-01-01T12:01:00.000Z",
  });
  t.deepEqual(recorded(), { up: 1, down: 0 });
});

test("POST and PUT /down with or without a body are pulses", async (t) => {
  const { url, recorded } = await start(t);
  t.is((await fetch(`${url}/down`, { method: "POST" })).status, 202);
  t.is((await fetch(`${url}/down`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status, 202);
  t.is((await fetch(`${url}/down`, { method: "PUT", body: "" })).status, 202);
  t.deepEqual(recorded(), { up: 0, down: 3 });
});

test("DELETE /up is refused with 405 and records nothing", async (t) => {
  const { url, recorded } = await start(t);
  const res = await fetch(`${url}/up`, { method: "DELETE" });
  t.is(res.status, 405);
  t.is(res.headers.get("allow"), "GET, POST, PUT");
  t.deepEqual(recorded(), { up: 0, down: 0 });
});

test("Grafana firing then resolved on /webhook: asserted, then withdrawn", async (t) => {
  const { url, recorded } = await start(t);
  const post = (name: string) =>
    fetch(`${url}/webhook`, { method: "POST", headers: { "content-type": "application/json" }, body: fixture(name) });
  const firing = await post("grafana-firing-up");
  t.is(firing.status, 202);
  t.like(await firing.json(), { format: "grafana", recorded: [{ direction: "up", status: "firing", outcome: "asserted" }] });
  t.deepEqual(recorded(), { up: 1, down: 0 });
  const repeat = await post("grafana-firing-up");
  t.like(await repeat.json(), { recorded: [{ outcome: "refreshed" }] });
  t.deepEqual(recorded(), { up: 1, down: 0 });
  const resolved = await post("grafana-resolved-up");
  t.is(resolved.status, 202);
  t.like(await resolved.json(), { recorded: [{ direction: "up", status: "resolved", outcome: "withdrawn" }] });
  t.deepEqual(recorded(), { up: 0, down: 0 });
});

test("a Grafana resolved alone records nothing that could scale", async (t) => {
  const { url, recorded } = await start(t);
  const res = await fetch(`${url}/up`, { method: "POST", body: fixture("grafana-resolved-up") });
  t.is(res.status, 202);
  t.like(await res.json(), { recorded: [{ status: "resolved", outcome: "not-asserted" }] });
  t.deepEqual(recorded(), { up: 0, down: 0 });
});

test("Alertmanager v4 on /webhook asserts its direction", async (t) => {
  const { url, recorded } = await start(t);
  const res = await fetch(`${url}/webhook`, { method: "POST", body: fixture("alertmanager-firing-down") });
  t.is(res.status, 202);
  t.deepEqual(recorded(), { up: 0, down: 1 });
});

test("several alerts: the 202 reports what was recorded and what was ignored", async (t) => {
  const { url, recorded } = await start(t);
  const res = await fetch(`${url}/webhook`, { method: "POST", body: fixture("grafana-several") });
  t.is(res.status, 202);
  const body = (await res.json()) as { recorded: unknown[]; ignored: string[] };
  t.is(body.recorded.length, 2);
  t.is(body.ignored.length, 1);
  t.deepEqual(recorded(), { up: 1, down: 0 });
});

test("malformed JSON → 400 with the reason, nothing recorded", async (t) => {
  const { url, recorded, metrics } = await start(t);
  const res = await fetch(`${url}/up`, { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
  t.is(res.status, 400);
  t.regex(((await res.json()) as { error: string }).error, /^malformed JSON/);
  t.deepEqual(recorded(), { up: 0, down: 0 });
  t.regex(await metrics.registry.metrics(), /scaler_webhooks_total\{outcome="bad_request"\} 1/);
});

test("a resolved-looking body on /up → 202 with nothing recorded; an unknown object → 400; deep nesting → 400, never 500", async (t) => {
  const { url, recorded } = await start(t, {}, 1_000_000);
  const resolved = await fetch(`${url}/up`, { method: "POST", body: JSON.stringify({ status: "resolved" }) });
  t.is(resolved.status, 202);
  t.like(await resolved.json(), { format: "resolved", recorded: [] });
  const unknown = await fetch(`${url}/up`, { method: "POST", body: JSON.stringify({ a: { b: {} } }) });
  t.is(unknown.status, 400);
  const deep = `{"version":"1","alerts":[{"status":${"[".repeat(100_000)}${"]".repeat(100_000)}}]}`;
  const nested = await fetch(`${url}/webhook`, { method: "POST", body: deep });
  t.is(nested.status, 400);
  t.deepEqual(recorded(), { up: 0, down: 0 });
});

test("unknown payload → 400, nothing recorded", async (t) => {
  const { url, recorded } = await start(t);
  const res = await fetch(`${url}/webhook`, { method: "POST", body: JSON.stringify({ version: "9", alerts: [] }) });
  t.is(res.status, 400);
  t.regex(((await res.json()) as { error: string }).error, /unknown payload version/);
  t.deepEqual(recorded(), { up: 0, down: 0 });
});

test("body over the limit → 413, nothing recorded", async (t) => {
  const { url, recorded, metrics } = await start(t, {}, 2048);
  const res = await fetch(`${url}/up`, { method: "POST", body: JSON.stringify({ pad: "x".repeat(5000) }) });
  t.is(res.status, 413);
  t.regex(((await res.json()) as { error: string }).error, /larger than 2048 bytes/);
  t.deepEqual(recorded(), { up: 0, down: 0 });
  t.regex(await metrics.registry.metrics(), /scaler_webhooks_total\{outcome="too_large"\} 1/);
});

test("with a token: missing or wrong → 401 and nothing recorded; bearer and basic pass", async (t) => {
  const { url, recorded, metrics } = await start(t, { token: "tok3n" });
  const bare = await fetch(`${url}/up`);
  t.is(bare.status, 401);
  t.regex(((await bare.json()) as { error: string }).error, /Bearer token or Basic-auth password/);
  t.is((await fetch(`${url}/up`, { headers: { authorization: "Bearer wrong" } })).status, 401);
  t.is((await fetch(`${url}/webhook`, { method: "POST", body: fixture("grafana-firing-up") })).status, 401);
  t.deepEqual(recorded(), { up: 0, down: 0 });
  t.is((await fetch(`${url}/up`, { headers: { authorization: "Bearer tok3n" } })).status, 202);
  const basic = Buffer.from("grafana:tok3n").toString("base64");
  t.is((await fetch(`${url}/down`, { method: "POST", headers: { authorization: `Basic ${basic}` } })).status, 202);
  t.deepEqual(recorded(), { up: 1, down: 1 });
  t.regex(await metrics.registry.metrics(), /scaler_webhooks_total\{outcome="unauthorized"\} 3/);
});

test("with an HMAC secret: Grafana's signature in either header passes, a bad one gets 401", async (t) => {
  const { createHmac } = await import("node:crypto");
  const { url, recorded } = await start(t, { hmacSecret: "s3cret" });
  const body = fixture("grafana-firing-up");
  const ts = String(Math.floor(NOW / 1000));
  const sign = (text: string) => createHmac("sha256", "s3cret").update(text).digest("hex");
  const a = await fetch(`${url}/webhook`, { method: "POST", body, headers: { "X-Grafana-Alert-Signature": sign(body) } });
  t.is(a.status, 202);
  const b = await fetch(`${url}/webhook`, {
    method: "POST",
    body: fixture("alertmanager-firing-down"),
    headers: { "X-Grafana-Alerting-Signature": sign(`${ts}:${fixture("alertmanager-firing-down")}`), "X-Grafana-Alerting-Timestamp": ts },
  });
  t.is(b.status, 202);
  const forged = await fetch(`${url}/webhook`, {
    method: "POST",
    body: fixture("grafana-several"),
    headers: { "X-Grafana-Alert-Signature": sign(body) },
  });
  t.is(forged.status, 401);
  t.deepEqual(recorded(), { up: 1, down: 1 });
});

test("HMAC: a signed up payload replayed to /down gets 400 with the reason and records nothing", async (t) => {
  const { createHmac } = await import("node:crypto");
  const { url, recorded } = await start(t, { hmacSecret: "s3cret" });
  const body = fixture("grafana-firing-up");
  const headers = { "X-Grafana-Alert-Signature": createHmac("sha256", "s3cret").update(body).digest("hex") };
  const replayed = await fetch(`${url}/down`, { method: "POST", body, headers });
  t.is(replayed.status, 400);
  t.regex(((await replayed.json()) as { error: string }).error, /has scale=up but was sent to \/down/);
  t.deepEqual(recorded(), { up: 0, down: 0 });
  t.is((await fetch(`${url}/up`, { method: "POST", body, headers })).status, 202, "the same payload on its own path");
  t.deepEqual(recorded(), { up: 1, down: 0 });
});

test("/status, /metrics, /health and unknown paths", async (t) => {
  const { url } = await start(t);
  await fetch(`${url}/up`);
  t.deepEqual(await (await fetch(`${url}/status`)).json(), { hello: "status" });
  const metrics = await fetch(`${url}/metrics`);
  t.regex(metrics.headers.get("content-type") ?? "", /text\/plain/);
  const text = await metrics.text();
  t.regex(text, /scaler_webhooks_total\{outcome="accepted"\} 1/);
  t.regex(text, /scaler_signals_total\{direction="up",status="pulse",outcome="queued"\} 1/);
  t.is(await (await fetch(`${url}/health`)).text(), "OK");
  const missing = await fetch(`${url}/nope`);
  t.is(missing.status, 404);
});

test("each accepted request logs one structured line", async (t) => {
  const { url, logger } = await start(t);
  await fetch(`${url}/webhook`, { method: "POST", body: fixture("grafana-firing-up") });
  const line = logger.lines.find((l) => l["msg"] === "signal received");
  t.like(line, { level: "info", service: "scaler", path: "/webhook", format: "grafana", auth: "none", recorded: ["up firing asserted"] });
});

test("per-request lines do not grow with request volume: one per kind per window, then a count of those left out", async (t) => {
  let now = NOW;
  const logger = createMemoryLogger("scaler");
  const metrics = createScalerMetrics({ defaultMetrics: false });
  const app = createApp({
    store: new SignalStore(600_000),
    auth: { token: "tok3n", hmacMaxSkewMs: 300_000 },
    bodyLimitBytes: 4096,
    cpuValueRef: "B",
    metrics,
    logger,
    status: () => ({}),
    now: () => now,
  });
  const server = createServer(app);
  const url = urlOf(await listen(server, 0, "127.0.0.1"));
  t.teardown(() => closeServer(server));
  for (let i = 0; i < 50; i += 1) t.is((await fetch(`${url}/up`)).status, 401);
  for (let i = 0; i < 20; i += 1) t.is((await fetch(`${url}/up`, { headers: { authorization: "Bearer tok3n" } })).status, 202);
  const lines = (msg: string) => logger.lines.filter((l) => l["msg"] === msg);
  t.is(lines("request rejected").length, 1);
  t.is(lines("signal received").length, 1);
  t.regex(await metrics.registry.metrics(), /scaler_webhooks_total\{outcome="unauthorized"\} 50/);
  now += REQUEST_LOG_WINDOW_MS;
  await fetch(`${url}/up`);
  t.like(lines("request rejected")[1], { alsoRejectedSinceLastLine: 49 });
});

test("the 202 waits for STATE_FILE when a restart must not lose the signal, not for a repeat of a held alert", async (t) => {
  // Saves that stay open until released: a handler that awaits one cannot answer before.
  const open: Array<() => void> = [];
  const persist = () => new Promise<void>((resolve) => open.push(resolve));
  const releaseAll = () => open.splice(0).forEach((resolve) => resolve());
  const { url } = await start(t, {}, 4096, persist);
  const post = () =>
    fetch(`${url}/webhook`, { method: "POST", body: fixture("grafana-firing-up"), headers: { "content-type": "application/json" } });

  let answered = false;
  const first = post().then((res) => ((answered = true), res));
  await waitFor(() => open.length === 1, { what: "the save" });
  await new Promise((resolve) => setImmediate(resolve));
  t.false(answered, "a new alert is answered only once it is saved");
  releaseAll();
  t.is((await first).status, 202);

  // The same alert again: refreshed, and answered while its save is still open.
  const again = await post();
  t.is(again.status, 202);
  t.like(await again.json(), { recorded: [{ outcome: "refreshed" }] });
  t.is(open.length, 1, "it is still saved");
  releaseAll();

  // A pulse must survive a restart: it waits again.
  let pulseAnswered = false;
  const pulse = fetch(`${url}/up`).then((res) => ((pulseAnswered = true), res));
  await waitFor(() => open.length === 1, { what: "the pulse's save" });
  await new Promise((resolve) => setImmediate(resolve));
  t.false(pulseAnswered);
  releaseAll();
  t.is((await pulse).status, 202);
});
