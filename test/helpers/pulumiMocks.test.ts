import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { assertMockInternals, installPulumiMocks, VERIFIED_PULUMI_VERSION } from "./pulumiMocks.js";

installPulumiMocks();

test("the installed SDK has every internal the recording mocks rely on", (t) => {
  t.notThrows(() => assertMockInternals(pulumi.runtime.getMonitor()));
});

test("the guard fails loudly, naming each missing internal and the verified version", (t) => {
  const promiseStyle = { registerResource: async (_request: unknown) => ({}) };
  const error = t.throws(() => assertMockInternals(promiseStyle, { runtime: {} }));
  t.true(error.message.includes(`@pulumi/pulumi ${VERIFIED_PULUMI_VERSION} internals`), error.message);
  t.regex(error.message, /MockMonitor \(runtime\.getMonitor\(\)\)\.registerResource\(request, callback\) \(it takes 1 parameters\)/);
  t.regex(error.message, /MockMonitor \(runtime\.getMonitor\(\)\)\.invoke[,.]/);
  t.regex(error.message, /runtime\.waitForRPCs/);
  t.notRegex(error.message, /RegisterResourceRequest/, "only what is missing is listed");
});

test("the guard checks the protobuf getters the recorder reads", (t) => {
  const error = t.throws(() =>
    assertMockInternals(pulumi.runtime.getMonitor(), { "RegisterResourceRequest.prototype": { getType() {}, getName() {} } }),
  );
  t.regex(error.message, /RegisterResourceRequest\.prototype\.getPlugindownloadurl/);
  t.notRegex(error.message, /getType|getName/);
  t.throws(() => assertMockInternals(undefined), { message: /registerResource.*invoke/ });
});
