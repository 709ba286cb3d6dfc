import test, { type ExecutionContext } from "ava";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { renderEnvFile } from "../../contracts/envFile.js";
import { bundlePath, HOST_LAYOUT, STAGED, stagedPath } from "../../contracts/hostLayout.js";
import {
  asRemoteCommand,
  configureGrafanaScript,
  configurePrometheusScript,
  DEFAULT_PACKAGE_SOURCES,
  hostScriptHelpers,
  installPackagesScript,
  installServiceScript,
  prepareHostScript,
  REMOTE_DELIMITER,
  runProvisionerScript,
  shellQuote,
  waitForBootScript,
} from "../../contracts/hostScripts.js";
import { callIndex, callsTo, runSandboxed, type SandboxRun } from "../helpers/hostSandbox.js";
import { tempDir } from "../helpers/fs.js";
import { requireTool } from "../helpers/tools.js";

const run = promisify(execFile);

const SCRIPTS: Record<string, string> = {
  waitForBoot: waitForBootScript(),
  installPackages: installPackagesScript({ grafanaVersion: "12.1" }),
  installPackagesCustomSources: installPackagesScript({
    grafanaVersion: "11.6.3",
    nodeMajor: 24,
    sources: { grafanaAptUrl: "http://127.0.0.1:8000/grafana", nodeKeyUrl: "http://127.0.0.1:8000/node.key" },
  }),
  prepareHost: prepareHostScript({ sshUser: "ubuntu" }),
  installSdAgent: installServiceScript("sdAgent"),
  installScaler: installServiceScript("scaler"),
  configurePrometheus: configurePrometheusScript(),
  configureGrafana: configureGrafanaScript(),
  runProvisioner: runProvisionerScript(),
};

const GRAFANA_PASSWORD = `pa ss"w'o$rd\\#=\`x\``;

// --- Text-level properties of every script ---------------------------------------------------------

test("every script starts in strict mode and never traces commands (a trace would print secrets)", (t) => {
  for (const [name, text] of Object.entries(SCRIPTS)) {
    t.true(text.startsWith("set -euo pipefail\n"), name);
    t.notRegex(text, /set -[a-z]*x|set -o xtrace|bash -x/, name);
    t.true(text.endsWith("\n"), name);
  }
});

test("scripts take no secret: the admin password is read from its environment file, into a pipe", (t) => {
  const grafana = SCRIPTS.configureGrafana;
  t.regex(grafana, /--password-from-stdin/);
  t.notRegex(grafana, /reset-admin-password +["'$]/, "never a password argument");
  for (const [name, text] of Object.entries(SCRIPTS)) {
    t.false(text.includes(GRAFANA_PASSWORD), name);
    t.notRegex(text, /(PASSWORD|SECRET|TOKEN|KEY)=["']?[^"'\s]/, `${name}: no secret assigned in the script text`);
  }
});

test("shellcheck finds nothing in any script, nor in its remote-command form", async (t) => {
  if (!(await requireTool(t, "shellcheck"))) return;
  const dir = await tempDir(t, "host-scripts-");
  for (const [name, text] of Object.entries(SCRIPTS)) {
    for (const [suffix, body] of [
      ["sh", text],
      ["remote.sh", asRemoteCommand(text)],
    ]) {
      const file = join(dir, `${name}.${suffix}`);
      await writeFile(file, body);
      const result = await run("shellcheck", ["-s", "bash", file]).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
      t.is(result.stdout, "", `${name}.${suffix}`);
    }
  }
});

test("shellcheck is strict enough to catch an unquoted expansion in a script", async (t) => {
  if (!(await requireTool(t, "shellcheck"))) return;
  const dir = await tempDir(t, "host-scripts-");
  const file = join(dir, "broken.sh");
  await writeFile(file, SCRIPTS.installScaler.replace('install -m "$3"', "install -m $3"));
  await t.throwsAsync(run("shellcheck", ["-s", "bash", file]));
});

test("bash parses every script and its remote-command form", async (t) => {
  for (const [name, text] of Object.entries(SCRIPTS)) {
    await t.notThrowsAsync(run("/bin/bash", ["-n", "-c", text]), name);
    await t.notThrowsAsync(run("/bin/bash", ["-n", "-c", asRemoteCommand(text)]), `${name} (remote)`);
  }
});

// --- asRemoteCommand --------------------------------------------------------------------------------

test("asRemoteCommand runs the script as root through a quoted here-document", (t) => {
  const command = asRemoteCommand("set -euo pipefail\necho hi\n");
  t.true(command.startsWith(`sudo bash -s <<'${REMOTE_DELIMITER}'\n`));
  t.true(command.endsWith(`\n${REMOTE_DELIMITER}`));
  t.true(command.includes("set -euo pipefail\necho hi\n"));
});

test("asRemoteCommand refuses a script containing its delimiter line", (t) => {
  for (const text of [`echo\n${REMOTE_DELIMITER}\necho`, `${REMOTE_DELIMITER}`, `echo\n  ${REMOTE_DELIMITER}  \r\n`]) {
    t.throws(() => asRemoteCommand(text), { instanceOf: RangeError, message: /here-document/ });
  }
  t.notThrows(() => asRemoteCommand(`echo ${REMOTE_DELIMITER}-not-alone`));
});

test("through asRemoteCommand the script runs verbatim, and a command reading stdin cannot swallow the rest", async (t) => {
  const text = ["set -euo pipefail", `printf '%s|' "$((1 + 1))" '$HOME' "a\\\\b" '"quoted"'`, "cat", "echo after-cat"].join("\n");
  const result = await runSandboxed(t, asRemoteCommand(text), { stubs: {} });
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '2|$HOME|a\\b|"quoted"|after-cat\n');
  t.deepEqual(callsTo(result, "sudo"), [["bash", "-s"]]);
});

test("through asRemoteCommand a failing step stops the script with its status", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand("set -euo pipefail\nfalse\necho unreachable"), { stubs: {} });
  t.is(result.code, 1);
  t.is(result.stdout, "");
});

// --- waitForBootScript ------------------------------------------------------------------------------

async function boot(t: ExecutionContext, cloudInit: string | undefined): Promise<SandboxRun> {
  return runSandboxed(t, asRemoteCommand(waitForBootScript()), {
    stubs: cloudInit === undefined ? {} : { "cloud-init": cloudInit },
  });
}

test("waitForBootScript: no cloud-init, nothing to wait for", async (t) => {
  const result = await boot(t, undefined);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /no cloud-init/);
});

test("waitForBootScript: waits for cloud-init, bounded, and succeeds when it is done", async (t) => {
  const result = await boot(t, "exit 0");
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "cloud-init"), [["status", "--wait"]]);
});

test("waitForBootScript: a degraded boot (exit 2, recoverable errors) is reported and carries on", async (t) => {
  const result = await boot(t, 'if [ "$2" = --long ]; then echo "status: degraded done"; fi; exit 2');
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /recoverable errors[\s\S]*status: degraded done/);
});

test("waitForBootScript: a failed boot (exit 1) fails, with cloud-init's long status", async (t) => {
  const result = await boot(t, 'if [ "$2" = --long ]; then echo "status: error"; fi; exit 1');
  t.is(result.code, 1);
  t.regex(result.stderr, /cloud-init failed[\s\S]*status: error/);
});

test("waitForBootScript: cloud-init still running when the bound runs out fails", async (t) => {
  const result = await boot(t, "exit 124");
  t.is(result.code, 1);
  t.regex(result.stderr, /still running after 900 s/);
});

test("the sandbox stubs a real tool without ever writing through to it", async (t) => {
  const before = await readFile("/usr/bin/cmp");
  const result = await runSandboxed(t, "cmp a b; echo $?", { stubs: { cmp: "exit 7" } });
  t.is(result.stdout, "7\n");
  t.deepEqual(await readFile("/usr/bin/cmp"), before);
});

// --- prepareHostScript ------------------------------------------------------------------------------

const USERS = Object.values(HOST_LAYOUT.services).map((s) => s.user);

/** `id` for a host where the listed users exist (each in its own group). */
function idStub(existing: string[]): string {
  return `case " ${existing.join(" ")} " in *" \${@: -1} "*) echo "\${@: -1}"; exit 0 ;; esac; exit 1`;
}

test("prepareHostScript validates the SSH user name", (t) => {
  for (const sshUser of ["", "Ubuntu", "1user", "user name", "user;rm", "$(id)"]) {
    t.throws(() => prepareHostScript({ sshUser }), { instanceOf: RangeError }, sshUser);
  }
  t.notThrows(() => prepareHostScript({ sshUser: "debian_12-admin" }));
});

test("prepareHostScript on a fresh host: system users without shell or home, then the directories", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(prepareHostScript({ sshUser: "ubuntu" })), {
    stubs: { id: idStub(["ubuntu"]), getent: "exit 2", useradd: "", install: "" },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(
    callsTo(result, "useradd"),
    USERS.map((user) => [
      "--system",
      "--user-group",
      "--no-create-home",
      "--home-dir",
      "/nonexistent",
      "--shell",
      "/usr/sbin/nologin",
      user,
    ]),
  );
  t.deepEqual(callsTo(result, "install"), [
    ["-d", "-m", "0755", "-o", "root", "-g", "root", HOST_LAYOUT.bundleDir],
    ["-d", "-m", "0755", "-o", "root", "-g", "root", HOST_LAYOUT.configDir],
    ["-d", "-m", "0755", "-o", HOST_LAYOUT.services.sdAgent.user, "-g", HOST_LAYOUT.services.sdAgent.user, HOST_LAYOUT.sdDir],
    ["-d", "-m", "0700", "-o", "ubuntu", "-g", "ubuntu", HOST_LAYOUT.stagingDir],
  ]);
});

test("prepareHostScript again: users exist, nothing is created, the directories keep their modes", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(prepareHostScript({ sshUser: "ubuntu" })), {
    stubs: { id: idStub(["ubuntu", ...USERS]), getent: "exit 0", useradd: "", install: "" },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "useradd"), []);
  t.is(callsTo(result, "install").length, 4);
});

test("prepareHostScript: a group of the user's name already there is reused", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(prepareHostScript({ sshUser: "ubuntu" })), {
    stubs: { id: idStub(["ubuntu"]), getent: "exit 0", useradd: "", install: "" },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(
    callsTo(result, "useradd"),
    USERS.map((user) => [
      "--system",
      "--gid",
      user,
      "--no-create-home",
      "--home-dir",
      "/nonexistent",
      "--shell",
      "/usr/sbin/nologin",
      user,
    ]),
  );
});

test("prepareHostScript: an SSH user missing on the host fails clearly", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(prepareHostScript({ sshUser: "debian" })), {
    stubs: { id: idStub([]), useradd: "", install: "" },
  });
  t.is(result.code, 1);
  t.regex(result.stderr, /SSH user debian does not exist/);
  t.deepEqual(callsTo(result, "install"), []);
});

// --- installServiceScript ---------------------------------------------------------------------------

/** systemctl whose is-active answers come, one per call, from $SANDBOX/states (the last one repeats). */
const SYSTEMCTL_FROM_STATES = [
  'if [ "$1" = is-active ]; then',
  '  n=$(cat "$SANDBOX/n" 2>/dev/null || echo 0); echo $((n + 1)) >"$SANDBOX/n"',
  '  state=$(sed -n "$((n + 1))p" "$SANDBOX/states"); [ -n "$state" ] || state=$(tail -n 1 "$SANDBOX/states")',
  '  echo "$state"; [ "$state" = active ]',
  "fi",
].join("\n");

const JOURNAL_STUB = 'echo "journal: the last words of $2"';

async function installService(t: ExecutionContext, service: "sdAgent" | "scaler", states: string[]): Promise<SandboxRun> {
  return runSandboxed(t, asRemoteCommand(installServiceScript(service)), {
    stubs: { install: "", systemctl: SYSTEMCTL_FROM_STATES, journalctl: JOURNAL_STUB },
    files: { states: `${states.join("\n")}\n` },
  });
}

for (const service of ["sdAgent", "scaler"] as const) {
  test(`installServiceScript(${service}) installs the staged bundle, unit and private env file, then restarts and waits`, async (t) => {
    const layout = HOST_LAYOUT.services[service];
    const result = await installService(t, service, ["activating", "active"]);
    t.is(result.code, 0, result.stderr);
    t.deepEqual(callsTo(result, "install"), [
      ["-m", "0644", "-o", "root", "-g", "root", stagedPath(STAGED.bundle(layout.bundle)), bundlePath(layout.bundle)],
      ["-m", "0644", "-o", "root", "-g", "root", stagedPath(STAGED.unit(service)), `${HOST_LAYOUT.unitDir}/${layout.unit}`],
      ["-m", "0600", "-o", layout.user, "-g", layout.user, stagedPath(STAGED.env(service)), layout.envFile],
    ]);
    const order = [
      "systemctl daemon-reload",
      `systemctl enable ${layout.unit}`,
      `systemctl restart ${layout.unit}`,
      `systemctl is-active ${layout.unit}`,
    ];
    const positions = order.map((line) => callIndex(result, line));
    t.true(
      positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])),
      `in order: ${order.join(", ")}`,
    );
    t.is(callsTo(result, "systemctl").filter(([verb]) => verb === "is-active").length, 6, "active for 5 checks in a row after 1 not yet");
    t.deepEqual(callsTo(result, "journalctl"), []);
  });
}

test("installServiceScript: a unit that fails (exit 2, not restarted) prints its journal and exits 1 at once", async (t) => {
  const unit = HOST_LAYOUT.services.scaler.unit;
  const result = await installService(t, "scaler", ["active", "failed"]);
  t.is(result.code, 1);
  t.deepEqual(callsTo(result, "journalctl"), [["-u", unit, "-n", "30", "--no-pager"]]);
  t.regex(result.stderr, new RegExp(`${unit} is failed[\\s\\S]*journal: the last words of ${unit}`));
  t.is(callsTo(result, "systemctl").filter(([verb]) => verb === "is-active").length, 2);
});

test("installServiceScript: a unit that keeps restarting never counts as up, and the wait is bounded", async (t) => {
  const result = await installService(
    t,
    "sdAgent",
    Array.from({ length: 20 }, (_, i) => (i % 3 === 2 ? "activating" : "active")),
  );
  t.is(result.code, 1);
  t.regex(result.stderr, /not steadily active/);
  t.is(callsTo(result, "systemctl").filter(([verb]) => verb === "is-active").length, 15);
  t.is(callsTo(result, "journalctl").length, 1);
});

test("installServiceScript: a missing staged file stops before systemd is touched", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(installServiceScript("sdAgent")), {
    stubs: { install: 'echo "install: cannot stat $7" >&2; exit 1', systemctl: "" },
  });
  t.is(result.code, 1);
  t.regex(result.stderr, /cannot stat/);
  t.deepEqual(callsTo(result, "systemctl"), []);
});

/** cmp says every staged file equals the installed one; stat answers each file's mode and owner from $SANDBOX/stat. */
const IDENTICAL_FILES = { cmp: "exit 0", stat: `awk -v f="$3" '$4 == f { print $1, $2, $3 }' "$SANDBOX/stat"` };

/** stat lines ("MODE OWNER GROUP PATH") for a service's installed files, as installServiceScript intends them. */
function installedStat(service: "sdAgent" | "scaler" | "grafanaProvisioner", envMode = "600"): string {
  const layout = HOST_LAYOUT.services[service];
  return [
    `644 root root ${bundlePath(layout.bundle)}`,
    `644 root root ${HOST_LAYOUT.unitDir}/${layout.unit}`,
    `${envMode} ${layout.user} ${layout.user} ${layout.envFile}`,
    "",
  ].join("\n");
}

test("installServiceScript with identical files and the unit running changes nothing: no install, no reload, no restart", async (t) => {
  const layout = HOST_LAYOUT.services.scaler;
  const result = await runSandboxed(t, asRemoteCommand(installServiceScript("scaler")), {
    stubs: { install: "", ...IDENTICAL_FILES, systemctl: SYSTEMCTL_FROM_STATES, journalctl: JOURNAL_STUB },
    files: { states: "active\n", stat: installedStat("scaler") },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "install"), []);
  const verbs = callsTo(result, "systemctl").map(([verb]) => verb);
  t.false(verbs.includes("daemon-reload"));
  t.false(verbs.includes("restart"));
  t.regex(result.stdout, new RegExp(`unchanged ${layout.envFile}`));
  t.regex(result.stdout, /not restarted/);
});

test("installServiceScript with identical files restarts a unit that is not running", async (t) => {
  const unit = HOST_LAYOUT.services.sdAgent.unit;
  const result = await runSandboxed(t, asRemoteCommand(installServiceScript("sdAgent")), {
    stubs: { install: "", ...IDENTICAL_FILES, systemctl: SYSTEMCTL_FROM_STATES, journalctl: JOURNAL_STUB },
    files: { states: "inactive\nactive\n", stat: installedStat("sdAgent") },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "install"), []);
  t.true(callIndex(result, `systemctl restart ${unit}`) >= 0);
});

test("installServiceScript: a file with the same content but another mode is installed again, and the unit restarts", async (t) => {
  const layout = HOST_LAYOUT.services.scaler;
  const result = await runSandboxed(t, asRemoteCommand(installServiceScript("scaler")), {
    stubs: { install: "", ...IDENTICAL_FILES, systemctl: SYSTEMCTL_FROM_STATES, journalctl: JOURNAL_STUB },
    files: { states: "active\n", stat: installedStat("scaler", "644") },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "install"), [
    ["-m", "0600", "-o", layout.user, "-g", layout.user, stagedPath(STAGED.env("scaler")), layout.envFile],
  ]);
  t.true(callIndex(result, "systemctl daemon-reload") >= 0);
  t.true(callIndex(result, `systemctl restart ${layout.unit}`) >= 0);
});

// --- configurePrometheusScript ----------------------------------------------------------------------

const CANDIDATE = "/etc/prometheus/.exoscale-autoscaler-prometheus.yml.new";

test("configurePrometheusScript checks the new file with promtool before it replaces the old, then reloads", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(configurePrometheusScript()), {
    stubs: { install: "", promtool: "", mv: "", systemctl: SYSTEMCTL_FROM_STATES, journalctl: JOURNAL_STUB },
    files: { states: "active\n" },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "install"), [["-m", "0644", "-o", "root", "-g", "root", stagedPath(STAGED.prometheusConfig), CANDIDATE]]);
  const order = [
    `promtool check config ${CANDIDATE}`,
    `mv -f ${CANDIDATE} ${HOST_LAYOUT.prometheusConfig}`,
    "systemctl enable prometheus.service",
    "systemctl reload-or-restart prometheus.service",
    "systemctl enable --now prometheus-node-exporter.service",
    "systemctl is-active prometheus.service",
    "systemctl is-active prometheus-node-exporter.service",
  ];
  const positions = order.map((line) => callIndex(result, line));
  t.true(
    positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])),
    JSON.stringify(positions),
  );
});

test("configurePrometheusScript keeps the running configuration when promtool rejects the new one", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(configurePrometheusScript()), {
    stubs: { install: "", promtool: 'echo "FAILED: bad config" >&2; exit 1', mv: "", systemctl: "" },
  });
  t.is(result.code, 1);
  t.regex(result.stderr, /FAILED: bad config[\s\S]*unchanged/);
  t.deepEqual(callsTo(result, "mv"), []);
  t.deepEqual(callsTo(result, "systemctl"), []);
  t.deepEqual(callsTo(result, "rm"), [["-f", CANDIDATE]]);
});

test("configurePrometheusScript: Prometheus not coming up prints its journal and fails", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(configurePrometheusScript()), {
    stubs: { install: "", promtool: "", mv: "", systemctl: SYSTEMCTL_FROM_STATES, journalctl: JOURNAL_STUB },
    files: { states: "failed\n" },
  });
  t.is(result.code, 1);
  t.deepEqual(callsTo(result, "journalctl"), [["-u", "prometheus.service", "-n", "30", "--no-pager"]]);
});

test("configurePrometheusScript with an identical file and Prometheus running: no promtool, no replace, no reload", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(configurePrometheusScript()), {
    stubs: { install: "", promtool: "", mv: "", cmp: "exit 0", systemctl: SYSTEMCTL_FROM_STATES, journalctl: JOURNAL_STUB },
    files: { states: "active\n" },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "install"), []);
  t.deepEqual(callsTo(result, "promtool"), []);
  t.deepEqual(callsTo(result, "mv"), []);
  t.false(callsTo(result, "systemctl").some(([verb]) => verb === "reload-or-restart"));
  t.regex(result.stdout, /prometheus\.yml is unchanged/);
});

// --- configureGrafanaScript -------------------------------------------------------------------------

test("configureGrafanaScript puts the password file and drop-in in place before Grafana first starts", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(configureGrafanaScript()), {
    stubs: { install: "", systemctl: SYSTEMCTL_FROM_STATES, journalctl: JOURNAL_STUB },
    files: { states: "active\n" },
  });
  t.is(result.code, 0, result.stderr);
  const dropInDir = HOST_LAYOUT.grafanaDropIn.slice(0, HOST_LAYOUT.grafanaDropIn.lastIndexOf("/"));
  t.deepEqual(callsTo(result, "install"), [
    ["-m", "0600", "-o", "root", "-g", "root", stagedPath(STAGED.grafanaEnv), HOST_LAYOUT.grafanaEnvFile],
    ["-d", "-m", "0755", "-o", "root", "-g", "root", dropInDir],
    ["-m", "0644", "-o", "root", "-g", "root", stagedPath(STAGED.grafanaDropIn), HOST_LAYOUT.grafanaDropIn],
  ]);
  const order = ["systemctl daemon-reload", "systemctl enable grafana-server.service", "systemctl start grafana-server.service"];
  const positions = order.map((line) => callIndex(result, line));
  t.true(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])));
  t.true(result.calls.findIndex(([name]) => name === "install") < positions[0], "files first");
  // No grafana CLI on this "host": no reset attempted.
  t.deepEqual(callsTo(result, "runuser"), []);
});

/** Runs the helpers' password reset against a real environment file rendered by renderEnvFile. */
async function resetPassword(t: ExecutionContext, grafana: string): Promise<SandboxRun> {
  return runSandboxed(
    t,
    (dir) => [hostScriptHelpers(), `reset_grafana_admin_password ${shellQuote(join(dir, "grafana.env"))}`].join("\n"),
    {
      stubs: {
        runuser: 'while [ "$1" != -- ]; do shift; done; shift; exec "$@"',
        grafana: `cat >"$SANDBOX/grafana.stdin"\n${grafana}`,
      },
      files: { "grafana.env": renderEnvFile({ GF_PATHS_DATA: "/var/lib/grafana", GF_SECURITY_ADMIN_PASSWORD: GRAFANA_PASSWORD }) },
    },
  );
}

test("the admin password reset gives grafana cli the password on stdin only, and never prints it", async (t) => {
  const result = await resetPassword(t, 'echo "Admin password changed successfully"');
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "runuser"), [
    ["-u", "grafana", "--", "grafana", "cli", "admin", "reset-admin-password", "--password-from-stdin"],
  ]);
  t.deepEqual(callsTo(result, "grafana"), [["cli", "admin", "reset-admin-password", "--password-from-stdin"]]);
  t.is(await readFile(join(result.dir, "grafana.stdin"), "utf8"), `${GRAFANA_PASSWORD}\n`);
  t.false(result.stdout.includes(GRAFANA_PASSWORD) || result.stderr.includes(GRAFANA_PASSWORD));
  t.false(
    result.calls.some((call) => call.some((arg) => arg.includes(GRAFANA_PASSWORD))),
    "on no command line",
  );
});

test("the admin password reset retries, then fails with grafana's message (without the password)", async (t) => {
  const result = await resetPassword(t, 'echo "database is locked" >&2; exit 1');
  t.is(result.code, 1);
  t.is(callsTo(result, "grafana").length, 5);
  t.regex(result.stderr, /database is locked/);
  t.false(result.stderr.includes(GRAFANA_PASSWORD));
});

test("env_file_value reads back every value renderEnvFile writes", async (t) => {
  const values: Record<string, string> = {
    PLAIN: "x",
    TRICKY: GRAFANA_PASSWORD,
    BACKSLASH_END: "ends with \\",
    QUOTE_END: 'ends with "',
    ESCAPES: '\\" \\\\ \\$ \\`',
    SPACES: "  spaced  ",
    PREFIX: "not this one",
    PREFIX_LONGER: "nor this",
  };
  const result = await runSandboxed(
    t,
    (dir) =>
      [
        "set -euo pipefail",
        hostScriptHelpers(),
        ...Object.keys(values).map((name) => `env_file_value ${shellQuote(join(dir, "test.env"))} ${name}; printf '\\x1e'`),
        `env_file_value ${shellQuote(join(dir, "test.env"))} MISSING || echo "missing: $?"`,
      ].join("\n"),
    { stubs: {}, files: { "test.env": renderEnvFile(values) } },
  );
  t.is(result.code, 0, result.stderr);
  const printed = result.stdout.split("\x1e");
  t.deepEqual(Object.fromEntries(Object.keys(values).map((name, i) => [name, printed[i].replace(/\n$/, "")])), values);
  t.regex(printed.at(-1) ?? "", /missing: 1/);
});

// --- runProvisionerScript ---------------------------------------------------------------------------

test("runProvisionerScript installs the provisioner from staging and runs it once", async (t) => {
  const layout = HOST_LAYOUT.services.grafanaProvisioner;
  const result = await runSandboxed(t, asRemoteCommand(runProvisionerScript()), { stubs: { install: "", systemctl: "" } });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "install"), [
    ["-m", "0644", "-o", "root", "-g", "root", stagedPath(STAGED.bundle(layout.bundle)), bundlePath(layout.bundle)],
    ["-m", "0644", "-o", "root", "-g", "root", stagedPath(STAGED.unit("grafanaProvisioner")), `${HOST_LAYOUT.unitDir}/${layout.unit}`],
    ["-m", "0600", "-o", layout.user, "-g", layout.user, stagedPath(STAGED.env("grafanaProvisioner")), layout.envFile],
  ]);
  t.deepEqual(callsTo(result, "systemctl"), [["daemon-reload"], ["start", layout.unit]]);
});

test("runProvisionerScript: a failed run prints the last 50 journal lines and exits 1", async (t) => {
  const unit = HOST_LAYOUT.services.grafanaProvisioner.unit;
  const result = await runSandboxed(t, asRemoteCommand(runProvisionerScript()), {
    stubs: { install: "", systemctl: '[ "$1" != start ]', journalctl: JOURNAL_STUB },
  });
  t.is(result.code, 1);
  t.deepEqual(callsTo(result, "journalctl"), [["-u", unit, "-n", "50", "--no-pager"]]);
  t.regex(result.stderr, /journal: the last words/);
});

test("runProvisionerScript with identical files runs the provisioner again without a daemon-reload", async (t) => {
  const layout = HOST_LAYOUT.services.grafanaProvisioner;
  const result = await runSandboxed(t, asRemoteCommand(runProvisionerScript()), {
    stubs: { install: "", ...IDENTICAL_FILES, systemctl: "" },
    files: { stat: installedStat("grafanaProvisioner") },
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "install"), []);
  t.deepEqual(callsTo(result, "systemctl"), [["start", layout.unit]]);
});

// --- installPackagesScript --------------------------------------------------------------------------

test("installPackagesScript validates its options before rendering", (t) => {
  for (const grafanaVersion of ["", "12", "12.x", "v12.1", "12.1.0-beta1", "12.1;reboot", "12.1.0.1"]) {
    t.throws(() => installPackagesScript({ grafanaVersion }), { instanceOf: RangeError }, grafanaVersion);
  }
  for (const nodeMajor of [0, -22, 22.5, Number.NaN]) {
    t.throws(() => installPackagesScript({ grafanaVersion: "12.1", nodeMajor }), { instanceOf: RangeError }, String(nodeMajor));
  }
  for (const grafanaAptUrl of [
    "apt.grafana.com",
    "ftp://apt.grafana.com",
    "https://user:secret@apt.grafana.com",
    "https://x/it's",
    "https://x/a b",
  ]) {
    t.throws(
      () => installPackagesScript({ grafanaVersion: "12.1", sources: { grafanaAptUrl } }),
      { instanceOf: RangeError },
      grafanaAptUrl,
    );
  }
  t.notThrows(() => installPackagesScript({ grafanaVersion: "12.1.3", nodeMajor: 24 }));
});

test("installPackagesScript: default sources, and NodeSource's repository following nodeMajor", (t) => {
  t.deepEqual(
    { ...DEFAULT_PACKAGE_SOURCES },
    {
      grafanaAptUrl: "https://apt.grafana.com",
      grafanaKeyUrl: "https://apt.grafana.com/gpg-full.key",
      nodeAptUrl: "https://deb.nodesource.com/node_22.x",
      nodeKeyUrl: "https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key",
    },
  );
  const text = SCRIPTS.installPackages;
  t.regex(text, /'deb \[signed-by=\/etc\/apt\/keyrings\/grafana\.gpg\] https:\/\/apt\.grafana\.com stable main'/);
  t.regex(text, /'deb \[signed-by=\/etc\/apt\/keyrings\/nodesource\.gpg\] https:\/\/deb\.nodesource\.com\/node_22\.x nodistro main'/);
  t.regex(installPackagesScript({ grafanaVersion: "12.1", nodeMajor: 24 }), /node_24\.x nodistro main/);
  t.regex(SCRIPTS.installPackagesCustomSources, /http:\/\/127\.0\.0\.1:8000\/grafana stable main/);
  t.regex(SCRIPTS.installPackagesCustomSources, /ensure_key 'http:\/\/127\.0\.0\.1:8000\/node\.key'/);
  t.notRegex(text, /systemctl (start|enable|restart)/, "Grafana is not started here");
});

interface AptHost {
  /** "name version status…" lines, as dpkg-query would report them. */
  installed: string[];
  /** Versions apt-cache madison lists for grafana. */
  grafanaVersions: string[];
  /** Packages apt-mark showhold lists. */
  held?: string[];
  /** node --version before and after `apt-get install nodejs`. */
  nodeBefore?: string;
  nodeAfter?: string;
  /** The key curl serves. */
  key?: string;
  /** Whether cmp finds the downloaded keys and source lists identical to those on the host. */
  sourcesInPlace?: boolean;
}

const ARMOURED_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF...\n-----END PGP PUBLIC KEY BLOCK-----\n";

/** A fake apt/dpkg world for installPackagesScript; node is a stub at the path the script checks. */
async function installPackages(
  t: ExecutionContext,
  host: AptHost,
  options = { grafanaVersion: "12.1", nodeMajor: 22 },
): Promise<SandboxRun> {
  const script = installPackagesScript(options);
  return runSandboxed(t, (dir) => asRemoteCommand(script.replaceAll(shellQuote(HOST_LAYOUT.node), shellQuote(join(dir, "node")))), {
    stubs: {
      "dpkg-query": [
        'line=$(grep "^${@: -1} " "$SANDBOX/dpkg-status") || exit 1',
        'read -r _ version status <<<"$line"',
        'case $2 in *Status*) printf "%s" "$status" ;; *Version*) printf "%s" "$version" ;; esac',
      ].join("\n"),
      dpkg: '[ "$1" = --compare-versions ] || exit 99\nexec /usr/bin/dpkg "$@"',
      "apt-cache": [
        "case $1 in",
        '  madison) while read -r v; do [ -n "$v" ] && echo "   grafana | $v | https://apt.grafana.com stable/main amd64 Packages"; done <"$SANDBOX/madison" ;;',
        '  policy) echo "  Candidate: 18.19.1+dfsg-6ubuntu5" ;;',
        "esac",
      ].join("\n"),
      "apt-get": 'case " $* " in *" nodejs "*) cp "$SANDBOX/node-after" "$SANDBOX/node-version" ;; esac',
      "apt-mark": '[ "$1" != showhold ] || cat "$SANDBOX/held"',
      curl: 'while [ "$1" != -o ]; do shift; done; cp "$SANDBOX/served-key" "$2"',
      gpg: 'printf "binary:"; cat',
      cmp: host.sourcesInPlace ? "exit 0" : "exit 1",
      install: "",
    },
    files: {
      "dpkg-status": host.installed.map((line) => `${line}\n`).join(""),
      madison: host.grafanaVersions.map((v) => `${v}\n`).join(""),
      held: (host.held ?? []).map((p) => `${p}\n`).join(""),
      "node-version": host.nodeBefore ?? "",
      "node-after": host.nodeAfter ?? "v22.12.0",
      "served-key": host.key ?? ARMOURED_KEY,
      node: '#!/bin/bash\nv=$(cat "$SANDBOX/node-version"); [ -n "$v" ] || exit 127; echo "$v"\n',
    },
  });
}

const FRESH: AptHost = { installed: [], grafanaVersions: ["12.10.0", "12.1.1", "12.1.0", "12.0.2", "11.6.3"] };

const EVERYTHING = ["prometheus", "prometheus-node-exporter", "ca-certificates", "curl", "gnupg"].map(
  (p) => `${p} 1.0 install ok installed`,
);

function aptInstalls(result: SandboxRun): string[][] {
  return callsTo(result, "apt-get")
    .filter((args) => args.includes("install"))
    .map((args) => args.slice(args.indexOf("install") + 1));
}

test("installPackagesScript on a fresh host: base packages, keys and sources, pinned Grafana held, Node.js", async (t) => {
  const result = await installPackages(t, FRESH);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(aptInstalls(result), [
    ["--no-install-recommends", "prometheus", "prometheus-node-exporter", "ca-certificates", "curl", "gnupg"],
    ["--no-install-recommends", "--allow-downgrades", "--allow-change-held-packages", "grafana=12.1.1"],
    ["--no-install-recommends", "nodejs"],
  ]);
  for (const args of callsTo(result, "apt-get")) {
    t.true(args.includes("-y") && args.includes("DPkg::Lock::Timeout=600"), args.join(" "));
  }
  t.is(
    callsTo(result, "apt-get").filter((args) => args.includes("update")).length,
    2,
    "before the base packages, and after adding sources",
  );
  t.deepEqual(callsTo(result, "apt-mark"), [["showhold"], ["hold", "grafana"]]);
  const installs = callsTo(result, "install").map((args) => args.at(-1));
  t.deepEqual(installs, [
    "/etc/apt/keyrings/grafana.gpg",
    "/etc/apt/sources.list.d/grafana.list",
    "/etc/apt/keyrings/nodesource.gpg",
    "/etc/apt/sources.list.d/nodesource.list",
  ]);
  t.is(callsTo(result, "gpg").length, 2, "armoured keys are de-armoured");
  t.deepEqual(
    callsTo(result, "curl").map((args) => args.at(-1)),
    [DEFAULT_PACKAGE_SOURCES.grafanaKeyUrl, DEFAULT_PACKAGE_SOURCES.nodeKeyUrl],
  );
  t.regex(result.stdout, /node v22\.12\.0 installed/);
});

test("installPackagesScript a second time changes nothing: no apt-get at all, no new key, no new hold", async (t) => {
  const result = await installPackages(t, {
    installed: [...EVERYTHING, "grafana 12.1.1 hold ok installed", "nodejs 22.12.0-1nodesource1 install ok installed"],
    grafanaVersions: ["12.1.2", "12.1.1"],
    held: ["grafana"],
    nodeBefore: "v22.12.0",
    sourcesInPlace: true,
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "apt-get"), [], "not even apt-get update");
  t.deepEqual(callsTo(result, "install"), []);
  t.deepEqual(callsTo(result, "apt-mark"), [["showhold"]]);
  t.regex(result.stdout, /grafana 12\.1\.1 is installed/);
});

test("installPackagesScript: a Grafana outside the pin is replaced by the pinned one (through its hold)", async (t) => {
  const result = await installPackages(t, {
    installed: [...EVERYTHING, "grafana 12.10.0 hold ok installed"],
    grafanaVersions: FRESH.grafanaVersions,
    held: ["grafana"],
    nodeBefore: "v22.1.0",
    sourcesInPlace: true,
  });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(aptInstalls(result), [["--no-install-recommends", "--allow-downgrades", "--allow-change-held-packages", "grafana=12.1.1"]]);
});

test("installPackagesScript: an exact pin picks that version, also with a package suffix", async (t) => {
  const result = await installPackages(
    t,
    { ...FRESH, grafanaVersions: ["12.1.1", "12.1.0+security-01", "12.1.0", "12.1.01"] },
    { grafanaVersion: "12.1.0", nodeMajor: 22 },
  );
  t.is(result.code, 0, result.stderr);
  t.true(aptInstalls(result).some((args) => args.includes("grafana=12.1.0+security-01")));
});

test("installPackagesScript: no matching Grafana fails after one more apt-get update, listing what there is", async (t) => {
  const result = await installPackages(
    t,
    { ...FRESH, grafanaVersions: ["12.10.0", "12.0.2", "11.6.3"] },
    { grafanaVersion: "12.1", nodeMajor: 22 },
  );
  t.is(result.code, 1);
  t.regex(result.stderr, /no grafana version 12\.1 in the apt sources; newest available: 12\.10\.0 12\.0\.2 11\.6\.3/);
  t.false(aptInstalls(result).some((args) => args.some((arg) => arg.startsWith("grafana"))));
  t.deepEqual(callsTo(result, "apt-mark"), []);
});

test("installPackagesScript: an unreachable Grafana source says so", async (t) => {
  const result = await installPackages(t, { ...FRESH, grafanaVersions: [] });
  t.is(result.code, 1);
  t.regex(result.stderr, /newest available: none/);
});

test("installPackagesScript: Node.js older than nodeMajor after installing fails clearly", async (t) => {
  const result = await installPackages(t, { ...FRESH, nodeBefore: "v18.19.1", nodeAfter: "v18.19.1" });
  t.is(result.code, 1);
  t.regex(result.stderr, /is v18\.19\.1 after installing nodejs, but major 22 or later is needed; apt's nodejs candidate: 18\.19\.1/);
});

test("installPackagesScript: a binary key is used as it is", async (t) => {
  const result = await installPackages(t, { ...FRESH, key: "\x99\x01binary-key" });
  t.is(result.code, 0, result.stderr);
  t.deepEqual(callsTo(result, "gpg"), []);
});

test("a unit systemd cannot start at all (node missing) also prints its journal", async (t) => {
  const unit = HOST_LAYOUT.services.sdAgent.unit;
  const result = await runSandboxed(t, asRemoteCommand(installServiceScript("sdAgent")), {
    stubs: { install: "", systemctl: '[ "$1" != restart ]', journalctl: JOURNAL_STUB },
  });
  t.is(result.code, 1);
  t.regex(result.stderr, new RegExp(`${unit} did not start[\\s\\S]*journal: the last words of ${unit}`));
});

test("Grafana failing to start prints its journal", async (t) => {
  const result = await runSandboxed(t, asRemoteCommand(configureGrafanaScript()), {
    stubs: { install: "", systemctl: '[ "$1" != start ]', journalctl: JOURNAL_STUB },
  });
  t.is(result.code, 1);
  t.deepEqual(callsTo(result, "journalctl"), [["-u", "grafana-server.service", "-n", "30", "--no-pager"]]);
});
