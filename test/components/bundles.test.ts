import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundles } from "../../components/bundles.js";

test("bundles that cannot be built stop pulumi up with a RunError that says what to run", async (t) => {
  const root = await mkdtemp(join(tmpdir(), "no-sources-"));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const error = t.throws(() => buildBundles(root));
  t.true(pulumi.RunError.isInstance(error), "printed without a stack trace");
  t.regex(error?.message ?? "", /^The sd-agent bundle could not be built from services\/sd-agent\/main\.ts: [\s\S]*Run `npm run build`/);
});
