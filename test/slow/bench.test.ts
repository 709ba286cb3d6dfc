/**
 * `npm run bench -- --json` as a user runs it (the build first, then both benchmarks): its stdout is
 * exactly one JSON document with every workload and policy the contract names, and the services' numbers.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const slow = process.env.EXOSCALE_AUTOSCALER_SLOW_TESTS === "1" ? test : test.skip;

slow("npm run bench -- --json prints exactly one JSON document of the contract's shape", (t) => {
  const run = spawnSync("npm", ["run", "--silent", "bench", "--", "--json"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  t.is(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  t.is(lines.length, 1, `stdout has ${lines.length} lines: ${run.stdout.slice(0, 300)}`);
  const doc = JSON.parse(lines[0]!) as {
    workloads: Record<string, Record<string, Record<string, number>>>;
    services: Record<string, unknown>;
  };
  t.deepEqual(Object.keys(doc).sort(), ["services", "workloads"]);
  for (const workload of ["step", "ramp", "spike", "sine", "trace"]) {
    for (const policy of ["baseline", "hpa", "oracle", "default"]) {
      const m = doc.workloads[workload]?.[policy];
      t.truthy(m, `${workload}/${policy}`);
      for (const key of [
        "overloadMinutes",
        "instanceMinutes",
        "adaptations",
        "underTimeshare",
        "overTimeshare",
        "underAccuracy",
        "overAccuracy",
      ]) {
        t.is(typeof m?.[key], "number", `${workload}/${policy}/${key}`);
      }
    }
  }
  t.is(typeof doc.workloads["step"]?.["default"]?.["reactionSeconds"], "number");
  for (const key of ["webhookRps", "webhookP99Ms", "scalerRssMb", "sdAgentRssMb"]) t.true((doc.services[key] as number) > 0, key);
  t.deepEqual(Object.keys(doc.services["bundleBytes"] as object).sort(), ["grafana-provisioner", "scaler", "sd-agent"]);
  t.regex(run.stderr, /bench: measuring the built services/, "progress goes to stderr");
});
