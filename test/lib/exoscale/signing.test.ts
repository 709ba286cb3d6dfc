import test from "ava";
import {
  computeSignature,
  formatAuthorization,
  parseAuthorization,
  signRequest,
  signatureMessage,
  signedQuery,
  verifyRequest,
} from "../../../lib/exoscale/signing.js";

// Published vectors (from Exoscale's TypeScript SDK and its request-signature documentation), copied here
// so the test does not depend on anything outside the repository.
const SDK_SECRET = "0123456789abcdef";
const SDK_KEY = "test-key";
const SDK_EXPIRES = 1750000000;
const INSTANCE = "0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a";

function query(search: string): [string, string][] {
  return [...new URLSearchParams(search).entries()];
}

test("vector: GET /instance/{id}", (t) => {
  const message = signatureMessage({ method: "GET", path: `/instance/${INSTANCE}`, expires: SDK_EXPIRES });
  t.is(message, `GET /instance/${INSTANCE}\n\n\n\n1750000000`);
  t.is(computeSignature(SDK_SECRET, message), "xdOhvE746GnETaaYoflEK4ucguvSsVJW1fnXZAboV54=");
});

test("vector: GET /instance with two query parameters signs their values ordered by name", (t) => {
  const request = {
    method: "GET",
    path: "/instance",
    query: query("manager-type=instance-pool&labels=web"),
    expires: SDK_EXPIRES,
  };
  t.is(signatureMessage(request).split("\n")[2], "webinstance-pool");
  t.is(
    signRequest({ key: SDK_KEY, secret: SDK_SECRET }, request),
    "EXO2-HMAC-SHA256 credential=test-key,signed-query-args=labels;manager-type,expires=1750000000," +
      "signature=gVbvdwVNMPtM6KFi0aNOcMfJ6P4kJhgUX/r6KT+mt9k=",
  );
});

test("vector: POST /instance with a body", (t) => {
  const message = signatureMessage({
    method: "POST",
    path: "/instance",
    body: '{"disk-size":10,"name":"foo"}',
    expires: SDK_EXPIRES,
  });
  t.is(computeSignature(SDK_SECRET, message), "ZqEE7tXE57UIydqAXHsqZgGA/UzTft1t9PFFVKvNGtA=");
});

test("vector: PUT with body and query", (t) => {
  const message = signatureMessage({
    method: "PUT",
    path: `/instance/${INSTANCE}`,
    body: '{"tags":["a"]}',
    query: query("include-deprecated=true"),
    expires: SDK_EXPIRES,
  });
  t.is(computeSignature(SDK_SECRET, message), "X8y11+VpWDTXeX7V88MtwWBn33rCh4d+d6nLtDkzC3g=");
});

test("vectors from the official documentation page (paths with /v2)", (t) => {
  const secret = "Gjq2O4GmXbrVwWiwvSaXAX4pkXhJyK8Dl7zuvkJ8rIw";
  const get = signatureMessage({
    method: "GET",
    path: "/v2/resource/a02baf5a-a3e4-49a0-857b-8a08d276c1c0",
    query: [
      ["p1", "v1"],
      ["p2", "v2"],
    ],
    expires: 1599140767,
  });
  t.is(get, "GET /v2/resource/a02baf5a-a3e4-49a0-857b-8a08d276c1c0\n\nv1v2\n\n1599140767");
  t.is(computeSignature(secret, get), "iySgamuwvts0vmltyqBfonKPaMk6hdLUtE/jsf9Mac0=");
  const post = signatureMessage({
    method: "POST",
    path: "/v2/security-group",
    body: '{"name": "my-security-group"}',
    expires: 1599140767,
  });
  t.is(computeSignature(secret, post), "NXg7zm51sncCLHq+vWfQ6aaJC06Lvr94RrdznIh8MvM=");
});

test("repeated query parameters are not signed", (t) => {
  t.deepEqual(signedQuery(query("a=1&b=2&a=3")), { names: ["b"], values: "2" });
  t.deepEqual(signedQuery([]), { names: [], values: "" });
});

test("the Authorization header omits signed-query-args when there are none and round-trips through the parser", (t) => {
  const header = formatAuthorization({ credential: "EXOabc", signedQueryArgs: [], expires: 42, signature: "c2ln+/=" });
  t.is(header, "EXO2-HMAC-SHA256 credential=EXOabc,expires=42,signature=c2ln+/=");
  t.deepEqual(parseAuthorization(header), { credential: "EXOabc", signedQueryArgs: [], expires: 42, signature: "c2ln+/=" });
  const withArgs = formatAuthorization({ credential: "k", signedQueryArgs: ["manager-id", "manager-type"], expires: 7, signature: "s" });
  t.deepEqual(parseAuthorization(withArgs)?.signedQueryArgs, ["manager-id", "manager-type"]);
});

test("malformed Authorization headers are refused by the parser", (t) => {
  t.is(parseAuthorization(undefined), undefined);
  t.is(parseAuthorization("Bearer abc"), undefined);
  t.is(parseAuthorization("EXO2-HMAC-SHA256 credential=k,signature=s"), undefined);
  t.is(parseAuthorization("EXO2-HMAC-SHA256 credential=k,expires=soon,signature=s"), undefined);
  t.is(parseAuthorization("EXO2-HMAC-SHA256 credential=k,expires=1,garbage"), undefined);
  // A field with an empty name is malformed even when every required field is there.
  t.is(parseAuthorization("EXO2-HMAC-SHA256 =x,credential=k,expires=1,signature=s"), undefined);
  t.deepEqual(parseAuthorization("EXO2-HMAC-SHA256 c=x,credential=k,expires=1,signature=s"), {
    credential: "k",
    signedQueryArgs: [],
    expires: 1,
    signature: "s",
  });
});

test("a one-shot query iterator (URLSearchParams.entries()) signs the same as an array", (t) => {
  const params = new URLSearchParams("manager-type=instance-pool&labels=web");
  const base = { method: "GET", path: "/instance", expires: SDK_EXPIRES };
  t.is(
    signRequest({ key: SDK_KEY, secret: SDK_SECRET }, { ...base, query: params.entries() }),
    signRequest({ key: SDK_KEY, secret: SDK_SECRET }, { ...base, query: [...params.entries()] }),
  );
});

test("verifyRequest accepts a request signed with a known key until its expiry, and says why it refuses the rest", (t) => {
  const secretOf = (key: string): string | undefined => (key === SDK_KEY ? SDK_SECRET : undefined);
  const signed = {
    method: "GET",
    path: "/v2/instance",
    body: "",
    query: query("manager-type=instance-pool&manager-id=p1"),
    expires: SDK_EXPIRES,
  };
  const authorization = signRequest({ key: SDK_KEY, secret: SDK_SECRET }, signed);
  const request = {
    method: "GET",
    path: "/v2/instance",
    body: "",
    query: query("manager-type=instance-pool&manager-id=p1"),
    authorization,
  };
  t.deepEqual(verifyRequest(secretOf, request, SDK_EXPIRES - 600), { ok: true, key: SDK_KEY });
  t.deepEqual(verifyRequest(secretOf, request, SDK_EXPIRES), { ok: true, key: SDK_KEY }, "valid through its expiry second");
  t.deepEqual(verifyRequest(secretOf, request, SDK_EXPIRES + 0.5), { ok: false, reason: "request signature expired" });
  const refused = (changes: Partial<typeof request>) => {
    const result = verifyRequest(secretOf, { ...request, ...changes }, SDK_EXPIRES - 600);
    return result.ok ? "accepted" : result.reason;
  };
  t.regex(refused({ authorization: undefined }), /^missing or malformed Authorization header/);
  t.regex(refused({ authorization: "Bearer token" }), /^missing or malformed Authorization header/);
  t.is(refused({ authorization: authorization.replace(`credential=${SDK_KEY}`, "credential=other") }), "invalid API key other");
  t.is(refused({ query: query("manager-type=instance-pool") }), 'invalid request signature: signed-query-args should be "manager-type"');
  t.is(refused({ query: query("manager-type=instance-pool&manager-id=p2") }), "invalid request signature");
  t.is(refused({ body: "{}" }), "invalid request signature");
  t.is(refused({ method: "PUT" }), "invalid request signature");
  t.is(refused({ path: "/v2/instance-pool" }), "invalid request signature");
  // A signature of another length is refused like a wrong one, not with an exception from the comparison.
  const signature = parseAuthorization(authorization)!.signature;
  for (const other of [signature.slice(0, -1), `${signature}A`, "x"]) {
    t.is(
      refused({ authorization: authorization.replace(`signature=${signature}`, `signature=${other}`) }),
      "invalid request signature",
      other,
    );
  }
});
