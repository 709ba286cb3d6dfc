import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import sinon from "sinon";
import { fakeBundles } from "../helpers/bundles.js";
import { parseSettings } from "../../components/config.js";
import { AutoscalerStack, requireTemplateId } from "../../components/stack.js";
import { installPulumiMocks } from "../helpers/pulumiMocks.js";

// The zone has no template of that name: getTemplate answers without an id.
const session = installPulumiMocks({
  call: (args) =>
    args.token === "exoscale:index/getTemplate:getTemplate" ? { name: args.inputs.name, zone: args.inputs.zone } : undefined,
});

// A failed apply reaches the program as unhandled rejections, which `pulumi up` reports through
// its own handler (a RunError as its message only, logged as an error). Stand in for that handler,
// so the test can inspect them; logging the error also tells the runtime the program failed.
const rejections: unknown[] = [];
const firstRejection = new Promise<unknown>((resolve) => {
  process.on("unhandledRejection", (reason, promise) => {
    promise.catch(() => undefined);
    if (!rejections.includes(reason)) {
      void pulumi.log.error(pulumi.RunError.isInstance(reason) ? reason.message : String(reason));
    }
    rejections.push(reason);
    resolve(reason);
  });
});

const WANTED = "Linux Ubuntu 42.04 LTS 64-bit";

test("requireTemplateId passes a found id through and refuses a missing one with a RunError", (t) => {
  t.is(requireTemplateId("tmpl-1", WANTED, "ch-dk-2"), "tmpl-1");
  for (const id of [undefined, ""]) {
    const error = t.throws(() => requireTemplateId(id, WANTED, "ch-dk-2"));
    t.true(pulumi.RunError.isInstance(error), "printed without a stack trace");
  }
});

test("an unknown template_name stops pulumi up with one RunError naming the setting, the template and the zone", async (t) => {
  t.timeout(20_000);
  const warn = sinon.stub(pulumi.log, "warn");
  t.teardown(() => warn.restore());
  const settings = parseSettings({ zone: "ch-dk-2", templateName: WANTED });
  new AutoscalerStack("tmpl", { settings, credentials: { key: "EXOkey", secret: pulumi.secret("s") }, bundles: fakeBundles() });

  const error = await firstRejection;
  // One more turn of the event loop lets the other consumers of the template id report too.
  await new Promise((resolve) => setImmediate(resolve));

  t.true(pulumi.RunError.isInstance(error), `a RunError, not ${String(error)}`);
  t.true(rejections.length >= 2, `${rejections.length} rejections: pool and monitoring host both wait on the template`);
  t.true(
    rejections.every((r) => r === error),
    "one error object, so pulumi up reports it once (it dedupes by identity)",
  );
  const message = (error as Error).message;
  t.regex(message, /template_name "Linux Ubuntu 42\.04 LTS 64-bit" matches no compute template in zone ch-dk-2\./);
  t.regex(message, /exo compute instance-template list --zone ch-dk-2/, "says how to find a valid name");
  t.regex(message, /pulumi config set template_name "<template name>"/, "says how to fix it");

  const withTemplate = session.registrations.filter(
    (r) => r.type === "exoscale:index/instancePool:InstancePool" || r.type === "exoscale:index/computeInstance:ComputeInstance",
  );
  t.deepEqual(withTemplate, [], "nothing is created from a template that does not exist");
});
