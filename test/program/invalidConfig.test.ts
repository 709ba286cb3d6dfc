import test from "ava";
import { ConfigValidationError } from "../../components/config.js";
import { installPulumiMocks, settle } from "../helpers/pulumiMocks.js";

// Every kind of mistake at once, and no credentials.
const session = installPulumiMocks({
  config: {
    zone: "eu-west-1",
    pool_min_size: "4",
    pool_max_size: "2",
    scale_up_cpu_percent: "20",
    scale_down_cpu_percent: "80",
    admin_cidrs: JSON.stringify(["203.0.113.7/40", "not-a-network"]),
  },
});

test("the program stops before declaring any resource and lists every problem in one error", async (t) => {
  const error = await t.throwsAsync(import("../../index.js"), { instanceOf: ConfigValidationError });
  await settle();
  t.is(session.registrations.length, 0, "no resource was declared");
  t.is(session.invokes.length, 0, "nothing was looked up");
  t.deepEqual(
    error.problems.map((p) => p.split(" ")[0]),
    ["exoscale_key", "exoscale_secret", "zone", "pool_min_size", "thresholds", "admin_cidrs", "admin_cidrs"],
  );
  t.regex(error.message, /^Invalid stack configuration \(7 problems\):\n {2}- /);
  t.regex(error.message, /"203.0.113.7\/40" is not a CIDR/);
  t.regex(error.message, /"not-a-network" is not a CIDR/);
  t.regex(error.message, /zone "eu-west-1" is not an Exoscale zone/);
});
