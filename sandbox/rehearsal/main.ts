/**
 * `npm run rehearse` (as root): boots a Debian 12 systemd host in its own network namespace and runs the
 * monitoring host's remote commands on it as the mocked Pulumi graph holds them. Exit 0 when every
 * check passed, 1 when one failed, 2 when this machine cannot run it (not root, packages missing).
 *
 *   --keep             once everything passed, keep the host up until Ctrl-C (to look inside)
 *   --break NAME       break one thing on purpose (see SABOTAGE in rehearsal.ts) and see a check fail
 *   --no-faults        skip the failing-unit fault
 *   --report FILE      write the report (checks, timings, failures, leftovers) as JSON
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkPrerequisites, prerequisiteProblems } from "./prerequisites.js";
import { rehearse, SABOTAGE } from "./rehearsal.js";
import { lockHeld, tearDown } from "./teardown.js";
import { NETWORK, RUN_DIR } from "./settings.js";

const { values } = parseArgs({
  options: {
    report: { type: "string" },
    keep: { type: "boolean" },
    break: { type: "string" },
    "no-faults": { type: "boolean" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  process.stdout.write(
    `usage: sudo npm run rehearse [-- --keep] [-- --break NAME] [-- --no-faults]\nsabotage names: ${Object.keys(SABOTAGE).join(", ")}\n`,
  );
  process.exit(0);
}
const problems = prerequisiteProblems(checkPrerequisites());
if (problems) {
  process.stderr.write(`${problems}\n`);
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    if (!lockHeld()) process.exit(130);
    log(`rehearse: ${signal}: cleaning up`);
    void tearDown(log).finally(() => process.exit(130));
  });
}

process.on("uncaughtException", (error) => {
  log(`rehearse: unexpected error: ${error.stack ?? error.message}; cleaning up`);
  if (stopping) return;
  stopping = true;
  if (!lockHeld()) process.exit(1);
  void tearDown(log).finally(() => process.exit(1));
});

const report = await rehearse({
  log,
  ...(values.break ? { sabotage: values.break } : {}),
  skipFaults: values["no-faults"] === true,
  ...(values.keep
    ? {
        beforeTeardown: () =>
          new Promise<void>(() => {
            log(
              `rehearse: the host is up; look inside with\n` +
                `  ssh -i ${RUN_DIR}/id_ed25519 ubuntu@${NETWORK.guestAddress}\n` +
                `  nsenter --net=/run/netns/${NETWORK.namespace} curl -s http://127.0.0.1:8090/status\n` +
                `Ctrl-C stops it and cleans up.`,
            );
          }),
      }
    : {}),
});
log(`timings (s): ${JSON.stringify(report.timings)}`);
if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
if (report.ok) log("rehearse: passed");
else log(`rehearse: FAILED\n${report.failures.map((f) => `  - ${f}`).join("\n")}`);
process.exit(report.ok ? 0 : 1);
