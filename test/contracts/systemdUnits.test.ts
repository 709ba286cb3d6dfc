import test, { type ExecutionContext } from "ava";
import { execFile } from "node:child_process";
import { chmod, cp, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { bundlePath, HOST_LAYOUT } from "../../contracts/hostLayout.js";
import {
  GRAFANA_UNIT,
  renderGrafanaDropIn,
  renderProvisionerUnit,
  renderServiceUnit,
  scalerStateDirectoryName,
} from "../../contracts/systemdUnits.js";
import { tempDir } from "../helpers/fs.js";
import { requireTool } from "../helpers/tools.js";

const run = promisify(execFile);

type Section = "Unit" | "Service" | "Install";

/** Values of the `Key=value` lines of one `[Section]` of a rendered unit. */
function directives(unit: string, section: Section, key: string): string[] {
  let current = "";
  const values: string[] = [];
  for (const line of unit.split("\n")) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) current = header[1];
    else if (current === section && line.startsWith(`${key}=`)) values.push(line.slice(key.length + 1));
  }
  return values;
}

/** The one value of a directive (fails on none or several). */
function one(t: ExecutionContext, unit: string, section: Section, key: string): string | undefined {
  const values = directives(unit, section, key);
  t.is(values.length, 1, `${section}.${key} once`);
  return values[0];
}

const sdAgent = renderServiceUnit("sdAgent");
const scaler = renderServiceUnit("scaler");
const provisioner = renderProvisionerUnit();

const HARDENING: Record<string, string> = {
  NoNewPrivileges: "yes",
  ProtectSystem: "strict",
  ProtectHome: "yes",
  PrivateTmp: "yes",
  PrivateDevices: "yes",
  ProtectKernelTunables: "yes",
  ProtectKernelModules: "yes",
  ProtectControlGroups: "yes",
  RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
  LockPersonality: "yes",
  CapabilityBoundingSet: "",
  SystemCallArchitectures: "native",
};

/** What may be written besides the unit's own sandbox: the whole list, so a new writable path shows up. */
const WRITABLE = ["ReadWritePaths", "StateDirectory", "ReadWriteDirectories", "LogsDirectory", "CacheDirectory", "RuntimeDirectory"];

function writable(unit: string): Record<string, string[]> {
  return Object.fromEntries(WRITABLE.map((key) => [key, directives(unit, "Service", key)]).filter(([, values]) => values.length > 0));
}

for (const [service, unit] of [
  ["sdAgent", sdAgent],
  ["scaler", scaler],
] as const) {
  test(`${service}: runs its bundle with node as its own user and environment file`, (t) => {
    const layout = HOST_LAYOUT.services[service];
    t.is(
      one(t, unit, "Service", "ExecStart"),
      `${HOST_LAYOUT.node} --max-semi-space-size=2 --max-old-space-size=64 ${bundlePath(layout.bundle)}`,
    );
    t.is(one(t, unit, "Service", "User"), layout.user);
    t.is(one(t, unit, "Service", "Group"), layout.user);
    t.is(one(t, unit, "Service", "EnvironmentFile"), layout.envFile);
  });

  test(`${service}: restarts on failure, but not after a configuration error (exit 2)`, (t) => {
    t.is(one(t, unit, "Service", "Restart"), "on-failure");
    t.is(one(t, unit, "Service", "RestartSec"), "5");
    t.is(one(t, unit, "Service", "RestartPreventExitStatus"), "2");
  });

  test(`${service}: starts after the network is up, at boot`, (t) => {
    t.is(one(t, unit, "Unit", "After"), "network-online.target");
    t.is(one(t, unit, "Unit", "Wants"), "network-online.target");
    t.is(one(t, unit, "Install", "WantedBy"), "multi-user.target");
  });

  test(`${service}: is sandboxed (and leaves W+X memory to node's JIT)`, (t) => {
    for (const [key, value] of Object.entries(HARDENING)) t.is(one(t, unit, "Service", key), value, key);
    t.deepEqual(directives(unit, "Service", "MemoryDenyWriteExecute"), [], "node's JIT needs writable executable memory");
  });
}

test("the SD agent may write only the file_sd directory", (t) => {
  t.deepEqual(writable(sdAgent), { ReadWritePaths: [HOST_LAYOUT.sdDir] });
  t.is(HOST_LAYOUT.sdFile.startsWith(`${HOST_LAYOUT.sdDir}/`), true, "its SD file is inside");
  // Prometheus (another user) must be able to read what it writes.
  t.is(one(t, sdAgent, "Service", "UMask"), "0022");
});

test("the scaler may write only its state directory, which systemd creates for its user", (t) => {
  t.deepEqual(writable(scaler), { StateDirectory: ["exoscale-autoscaler-scaler"] });
  t.is(`/var/lib/${scalerStateDirectoryName()}`, HOST_LAYOUT.scalerStateDir);
  t.true(HOST_LAYOUT.scalerStateFile.startsWith(`${HOST_LAYOUT.scalerStateDir}/`), "its state file is inside");
  t.throws(() => scalerStateDirectoryName("/srv/state"), { instanceOf: RangeError });
  t.throws(() => scalerStateDirectoryName("/var/lib/a/b"), { instanceOf: RangeError });
  t.throws(() => scalerStateDirectoryName("/var/lib/"), { instanceOf: RangeError });
});

test("the provisioner is a oneshot after Grafana, as its own user, sandboxed, writing nothing", (t) => {
  const layout = HOST_LAYOUT.services.grafanaProvisioner;
  t.is(one(t, provisioner, "Service", "Type"), "oneshot");
  t.is(one(t, provisioner, "Service", "RemainAfterExit"), "no");
  t.is(one(t, provisioner, "Unit", "After"), GRAFANA_UNIT);
  t.is(one(t, provisioner, "Unit", "Wants"), GRAFANA_UNIT);
  t.is(
    one(t, provisioner, "Service", "ExecStart"),
    `${HOST_LAYOUT.node} --max-semi-space-size=2 --max-old-space-size=64 ${bundlePath(layout.bundle)}`,
  );
  t.is(one(t, provisioner, "Service", "User"), layout.user);
  t.is(one(t, provisioner, "Service", "EnvironmentFile"), layout.envFile);
  for (const [key, value] of Object.entries(HARDENING)) t.is(one(t, provisioner, "Service", key), value, key);
  t.deepEqual(writable(provisioner), {});
  t.deepEqual(directives(provisioner, "Install", "WantedBy"), [], "run by a remote command, never at boot");
});

test("Grafana's drop-in reads its admin password from the root-only environment file", (t) => {
  const dropIn = renderGrafanaDropIn();
  t.is(one(t, dropIn, "Service", "EnvironmentFile"), HOST_LAYOUT.grafanaEnvFile);
  t.true(HOST_LAYOUT.grafanaDropIn.startsWith(`${HOST_LAYOUT.unitDir}/${GRAFANA_UNIT}.d/`));
  t.true(HOST_LAYOUT.grafanaDropIn.endsWith(".conf"), "systemd reads only *.conf drop-ins");
});

test("no path, user or unit name is typed into the units: they all come from HOST_LAYOUT", (t) => {
  const units = [sdAgent, scaler, provisioner, renderGrafanaDropIn()].join("\n");
  const absolutePaths = new Set(units.match(/\/[A-Za-z0-9_./-]+/g));
  const known = new Set<string>([
    HOST_LAYOUT.node,
    HOST_LAYOUT.sdDir,
    HOST_LAYOUT.grafanaEnvFile,
    ...Object.values(HOST_LAYOUT.services).flatMap((s) => [s.envFile, bundlePath(s.bundle)]),
  ]);
  t.deepEqual(
    [...absolutePaths].filter((path) => !known.has(path)),
    [],
  );
});

/**
 * An image of the target for `systemd-analyze verify --root`: the host's stock units, stand-ins for the
 * binaries and for Grafana's packaged unit, and our files at their HOST_LAYOUT paths.
 */
async function hostImage(t: ExecutionContext, files: Record<string, string>): Promise<string> {
  const root = await tempDir(t, "systemd-units-");
  const systemUnits = "/usr/lib/systemd/system";
  await cp(systemUnits, join(root, systemUnits), { recursive: true });
  for (const binary of [HOST_LAYOUT.node, "/usr/sbin/grafana-server"]) {
    await mkdir(join(root, dirname(binary)), { recursive: true });
    await writeFile(join(root, binary), "#!/bin/sh\n");
    await chmod(join(root, binary), 0o755);
  }
  await writeFile(
    join(root, systemUnits, GRAFANA_UNIT),
    "[Unit]\nDescription=stand-in for Grafana's packaged unit\n[Service]\nType=notify\nExecStart=/usr/sbin/grafana-server\n",
  );
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, dirname(path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

function ourUnits(mutate: (text: string) => string = (text) => text): Record<string, string> {
  const unitPath = (service: keyof typeof HOST_LAYOUT.services) => `${HOST_LAYOUT.unitDir}/${HOST_LAYOUT.services[service].unit}`;
  return {
    [unitPath("sdAgent")]: mutate(sdAgent),
    [unitPath("scaler")]: mutate(scaler),
    [unitPath("grafanaProvisioner")]: mutate(provisioner),
    [HOST_LAYOUT.grafanaDropIn]: mutate(renderGrafanaDropIn()),
  };
}

/** systemd-analyze verify's complaints about each unit (the drop-in through Grafana's unit); "" when clean. */
async function verify(root: string): Promise<Record<string, string>> {
  const units = [
    ...(["sdAgent", "scaler", "grafanaProvisioner"] as const).map((s) => `${HOST_LAYOUT.unitDir}/${HOST_LAYOUT.services[s].unit}`),
    `/usr/lib/systemd/system/${GRAFANA_UNIT}`,
  ];
  const reports: Record<string, string> = {};
  for (const unit of units) {
    try {
      const { stderr } = await run("systemd-analyze", ["verify", "--man=no", `--root=${root}`, unit]);
      reports[unit] = stderr.trim();
    } catch (error) {
      reports[unit] = `failed: ${(error as { stderr?: string }).stderr ?? String(error)}`;
    }
  }
  return reports;
}

test("systemd-analyze verify accepts every unit and the drop-in", async (t) => {
  if (!(await requireTool(t, "systemd-analyze"))) return;
  const reports = await verify(await hostImage(t, ourUnits()));
  for (const [unit, report] of Object.entries(reports)) t.is(report, "", unit);
});

test("systemd-analyze verify catches a misspelt directive, a bad value and a missing binary in any of them", async (t) => {
  if (!(await requireTool(t, "systemd-analyze"))) return;
  const mutants: [string, (text: string) => string][] = [
    ["misspelt directive", (text) => text.replace("EnvironmentFile=", "EnvironmentFil=")],
    ["bad value", (text) => text.replace("[Service]", "[Service]\nRestartSec=five")],
    ["missing binary", (text) => text.replace(`ExecStart=${HOST_LAYOUT.node}`, `ExecStart=${HOST_LAYOUT.node}-missing`)],
  ];
  for (const [what, mutate] of mutants) {
    const reports = await verify(await hostImage(t, ourUnits(mutate)));
    const clean = Object.entries(reports).filter(
      ([unit, report]) => report === "" && (what !== "missing binary" || !unit.endsWith(GRAFANA_UNIT)),
    );
    t.deepEqual(clean, [], `${what}: every unit reported`);
  }
});

test("systemd-analyze security rates each of our units' exposure OK or MEDIUM", async (t) => {
  if (!(await requireTool(t, "systemd-analyze"))) return;
  const root = await hostImage(t, ourUnits());
  for (const service of ["sdAgent", "scaler", "grafanaProvisioner"] as const) {
    const unit = `${HOST_LAYOUT.unitDir}/${HOST_LAYOUT.services[service].unit}`;
    let stdout: string;
    try {
      ({ stdout } = await run("systemd-analyze", ["security", "--offline=yes", `--root=${root}`, "--no-pager", unit]));
    } catch (error) {
      if (/offline/i.test((error as { stderr?: string }).stderr ?? "") && process.env.CI !== "true") {
        t.log("this systemd-analyze cannot rate unit files offline: skipped");
        return;
      }
      throw error;
    }
    const overall = /Overall exposure level for \S+: ([0-9.]+) (\w+)/.exec(stdout);
    t.truthy(overall, `${service}: no overall rating in ${stdout.slice(-300)}`);
    t.log(`${service}: exposure ${overall?.[1]} ${overall?.[2]}`);
    t.true(["OK", "MEDIUM"].includes(overall?.[2] ?? ""), `${service} is ${overall?.[2]}`);
  }
});
