import test from "ava";
import { authenticate, grafanaSignature, type AuthSettings } from "../../../services/scaler/auth.js";

// Vectors computed with `openssl dgst -sha256 -hmac s3cret` over the exact bytes.
const BODY = Buffer.from('{"version":"1"}');
const SIG_NO_TS = "c859b35672b3200f3e6b662c7e2ef6e9db8cd75cf5c97a27b13913efe70b1e70";
const TS = "1767268800";
const SIG_TS = "15eb9540f9c4d9a0015179e9321a55faf45bdb7559de4a2b274853b14d65c482";
const NOW = Number(TS) * 1000 + 30_000;

const token: AuthSettings = { token: "tok3n", hmacMaxSkewMs: 300_000 };
const hmac: AuthSettings = { hmacSecret: "s3cret", hmacMaxSkewMs: 300_000 };
const both: AuthSettings = { token: "tok3n", hmacSecret: "s3cret", hmacMaxSkewMs: 300_000 };

test("grafanaSignature matches the openssl vectors", (t) => {
  t.is(grafanaSignature("s3cret", BODY), SIG_NO_TS);
  t.is(grafanaSignature("s3cret", BODY, TS), SIG_TS);
});

const cases: Array<[string, AuthSettings, Record<string, string>, boolean | string]> = [
  ["nothing configured lets everything in", { hmacMaxSkewMs: 300_000 }, {}, "none"],
  ["bearer token", token, { authorization: "Bearer tok3n" }, "token"],
  ["bearer scheme in any case", token, { authorization: "bearer tok3n" }, "token"],
  ["basic password (any user)", token, { authorization: "Basic Z3JhZmFuYTp0b2szbg==" }, "basic"],
  ["wrong bearer", token, { authorization: "Bearer nope" }, false],
  ["bearer token with a suffix", token, { authorization: "Bearer tok3nSUFFIX" }, false],
  ["bearer token with a prefix", token, { authorization: "Bearer Xtok3n" }, false],
  ["bearer token cut short", token, { authorization: "Bearer tok3" }, false],
  ["basic password with an empty user name", token, { authorization: `Basic ${Buffer.from(":tok3n").toString("base64")}` }, "basic"],
  ["basic password with a suffix", token, { authorization: `Basic ${Buffer.from("grafana:tok3nX").toString("base64")}` }, false],
  ["token as basic user name is not the password", token, { authorization: `Basic ${Buffer.from("tok3n:").toString("base64")}` }, false],
  ["missing authorization", token, {}, false],
  ["other scheme", token, { authorization: "Token tok3n" }, false],
  ["HMAC in X-Grafana-Alert-Signature", hmac, { "x-grafana-alert-signature": SIG_NO_TS }, "hmac"],
  ["HMAC in X-Grafana-Alerting-Signature", hmac, { "x-grafana-alerting-signature": SIG_NO_TS }, "hmac"],
  ["HMAC upper-case hex", hmac, { "x-grafana-alert-signature": SIG_NO_TS.toUpperCase() }, "hmac"],
  ["HMAC with timestamp", hmac, { "x-grafana-alert-signature": SIG_TS, "x-grafana-alert-timestamp": TS }, "hmac"],
  ["HMAC with the other timestamp header", hmac, { "x-grafana-alerting-signature": SIG_TS, "x-grafana-alerting-timestamp": TS }, "hmac"],
  [
    "HMAC with a configured timestamp header",
    { ...hmac, hmacTimestampHeader: "X-Signed-At" },
    { "x-grafana-alert-signature": SIG_TS, "x-signed-at": TS },
    "hmac",
  ],
  ["HMAC signed with timestamp but sent without", hmac, { "x-grafana-alert-signature": SIG_TS }, false],
  ["HMAC signed without timestamp but sent with", hmac, { "x-grafana-alert-signature": SIG_NO_TS, "x-grafana-alert-timestamp": TS }, false],
  ["HMAC with a wrong secret", { ...hmac, hmacSecret: "other" }, { "x-grafana-alert-signature": SIG_NO_TS }, false],
  ["HMAC missing", hmac, {}, false],
  ["HMAC does not accept a bearer token", hmac, { authorization: "Bearer s3cret" }, false],
  [
    "HMAC without a timestamp when one is required",
    { ...hmac, hmacRequireTimestamp: true },
    { "x-grafana-alert-signature": SIG_NO_TS },
    false,
  ],
  [
    "HMAC with a timestamp when one is required",
    { ...hmac, hmacRequireTimestamp: true },
    { "x-grafana-alert-signature": SIG_TS, "x-grafana-alert-timestamp": TS },
    "hmac",
  ],
  ["both configured: token suffices", both, { authorization: "Bearer tok3n" }, "token"],
  ["both configured: HMAC suffices", both, { "x-grafana-alert-signature": SIG_NO_TS }, "hmac"],
  ["both configured: wrong token, right HMAC", both, { authorization: "Bearer x", "x-grafana-alert-signature": SIG_NO_TS }, "hmac"],
];
for (const [name, settings, headers, expected] of cases) {
  test(`auth: ${name}`, (t) => {
    const result = authenticate(headers, BODY, settings, NOW);
    if (expected === false) {
      t.false(result.ok);
      if (!result.ok) t.true(result.reason.length > 0);
    } else {
      t.deepEqual(result, { ok: true, method: expected });
    }
  });
}

test("auth: an HMAC over a different body fails", (t) => {
  const r = authenticate({ "x-grafana-alert-signature": SIG_NO_TS }, Buffer.from('{"version":"4"}'), hmac, NOW);
  t.deepEqual(r, { ok: false, reason: "the HMAC signature does not match the body" });
});

test("auth: a timestamp outside the allowed skew is refused even when signed", (t) => {
  const headers = { "x-grafana-alert-signature": SIG_TS, "x-grafana-alert-timestamp": TS };
  t.true(authenticate(headers, BODY, hmac, Number(TS) * 1000 - 299_000).ok);
  const late = authenticate(headers, BODY, hmac, Number(TS) * 1000 + 301_000);
  t.false(late.ok);
  if (!late.ok) t.regex(late.reason, /too far from now/);
  const junk = authenticate({ ...headers, "x-grafana-alert-timestamp": "soon" }, BODY, hmac, NOW);
  t.false(junk.ok);
});

test("auth: a timestamp in the future beyond the skew is refused; the skew's own bound is accepted on both sides", (t) => {
  const headers = { "x-grafana-alert-signature": SIG_TS, "x-grafana-alert-timestamp": TS };
  const signedAt = Number(TS) * 1000;
  // now before the signed time: the sender's clock is ahead, or a request was signed for later.
  const early = authenticate(headers, BODY, hmac, signedAt - 300_001);
  t.false(early.ok);
  if (!early.ok) t.regex(early.reason, /too far from now/);
  t.true(authenticate(headers, BODY, hmac, signedAt - 300_000).ok, "exactly the skew ahead");
  t.true(authenticate(headers, BODY, hmac, signedAt + 300_000).ok, "exactly the skew behind");
  t.false(authenticate(headers, BODY, hmac, signedAt + 300_001).ok);
});
