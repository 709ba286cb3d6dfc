import test from "ava";
import { execFile } from "node:child_process";
import { chmod, cp, mkdir, writeFile, access } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { APP_IMAGE, base64Length, MAX_USER_DATA_BASE64, renderPoolCloudInit } from "../../contracts/poolCloudInit.js";
import { tempDir } from "../helpers/fs.js";
import { requireTool } from "../helpers/tools.js";

const run = promisify(execFile);

interface CloudConfig {
  package_update?: boolean;
  packages?: string[];
  apt?: { conf?: string };
  write_files?: { path: string; content: string; permissions?: string; owner?: string }[];
  runcmd?: string[][];
}

const userData = renderPoolCloudInit();
const cloudConfig = parse(userData) as CloudConfig;

/** Unit-file lookup: values of the `Key=value` lines of one `[Section]` of a rendered unit. */
function directives(unit: string, section: "Unit" | "Service" | "Install", key: string): string[] {
  let current = "";
  const values: string[] = [];
  for (const line of unit.split("\n")) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = header[1];
    } else if (current === section && line.startsWith(`${key}=`)) {
      values.push(line.slice(key.length + 1));
    }
  }
  return values;
}

/** Space-separated unit lists (After=, Requires=, …) of a section, all lines together. */
function unitList(unit: string, section: "Unit" | "Install", key: string): string[] {
  return directives(unit, section, key).flatMap((value) => value.split(/\s+/).filter(Boolean));
}

function fileAt(path: string): string {
  const file = cloudConfig.write_files?.find((f) => f.path === path);
  if (!file) {
    throw new Error(`cloud-config writes no ${path}`);
  }
  return file.content;
}

test("pool user data is a #cloud-config document well under Exoscale's size limit", (t) => {
  t.true(userData.startsWith("#cloud-config\n"));
  t.true(base64Length(userData) <= MAX_USER_DATA_BASE64, `base64 length ${base64Length(userData)}`);
  t.is(base64Length("abc"), 4);
});

test("cloud-init schema accepts the pool user data", async (t) => {
  if (!(await requireTool(t, "cloud-init"))) {
    return;
  }
  const dir = await tempDir(t, "cloud-init-test-");
  const file = join(dir, "user-data.yaml");
  await writeFile(file, userData);
  const { stdout } = await run("cloud-init", ["schema", "--config-file", file]);
  t.regex(stdout, /Valid cloud-config/);
});

test("cloud-init schema is strict enough to catch a broken document", async (t) => {
  if (!(await requireTool(t, "cloud-init"))) {
    return;
  }
  const dir = await tempDir(t, "cloud-init-test-");
  const file = join(dir, "broken.yaml");
  await writeFile(file, userData.replace("  - path: ", "  - pth: "));
  await t.throwsAsync(run("cloud-init", ["schema", "--config-file", file]));
});

test("members install Docker and node_exporter from Ubuntu and start both workloads", (t) => {
  t.true(cloudConfig.package_update);
  t.deepEqual(cloudConfig.packages?.slice().sort(), ["apparmor", "ca-certificates", "docker.io", "prometheus-node-exporter"]);

  const app = fileAt("/etc/systemd/system/http-load-generator.service");
  const [execStart] = directives(app, "Service", "ExecStart");
  t.is(execStart, `/usr/bin/docker run --rm --name http-load-generator --publish 8080:8080 ${APP_IMAGE}`);
  t.is(APP_IMAGE, "quay.io/janoszen/http-load-generator:1.0.1");
  t.deepEqual(directives(app, "Service", "Restart"), ["always"], "restarted whatever the failure");
  t.deepEqual(directives(app, "Install", "WantedBy"), ["multi-user.target"], "started at boot once enabled");
  t.deepEqual(directives(app, "Unit", "StartLimitIntervalSec"), ["0"], "never gives up restarting");
  t.true(unitList(app, "Unit", "Requires").includes("docker.service"), "pulls in Docker");
  // Requires= alone starts both at once: the container would race the daemon, and at shutdown
  // Docker could stop before the app. After= orders start after, and stop before, Docker.
  t.true(unitList(app, "Unit", "After").includes("docker.service"), "ordered after Docker");

  const exporter = fileAt("/etc/systemd/system/prometheus-node-exporter.service.d/10-exoscale-autoscaler.conf");
  t.deepEqual(directives(exporter, "Service", "ExecStart"), ["", "/usr/bin/prometheus-node-exporter --web.listen-address=:9100"]);
  t.deepEqual(directives(exporter, "Service", "Restart"), ["always"], "restarted whatever the failure");
  // Restarts after RestartSec=5 alone cannot reach the default limit (5 starts in 10 s), but
  // manual restarts count too and DefaultStartLimit* may differ on the image: 0 never gives up.
  t.deepEqual(directives(exporter, "Unit", "StartLimitIntervalSec"), ["0"], "never gives up restarting");

  const commands = (cloudConfig.runcmd ?? []).map((c) => c.join(" "));
  t.true(commands.includes("systemctl daemon-reload"));
  t.true(commands.includes("systemctl enable --now http-load-generator.service"));
  t.true(commands.includes("systemctl enable prometheus-node-exporter.service"));
  t.true(commands.includes("systemctl restart prometheus-node-exporter.service"));
  t.true(
    commands.indexOf("systemctl daemon-reload") < commands.indexOf("systemctl enable --now http-load-generator.service"),
    "units are reloaded before they are started",
  );
});

test("members install packages without their recommendations (smaller, faster first boot)", (t) => {
  t.regex(cloudConfig.apt?.conf ?? "", /^APT::Install-Recommends "false";$/m);
  // The recommendations Docker cannot do without are installed by name.
  for (const needed of ["apparmor", "ca-certificates"]) {
    t.true(cloudConfig.packages?.includes(needed), needed);
  }
});

test("apt itself reads the apt.conf snippet as Install-Recommends=false", async (t) => {
  if (!(await requireTool(t, "apt-config"))) {
    return;
  }
  const dir = await tempDir(t, "cloud-init-test-");
  const file = join(dir, "94cloud-init-config");
  await writeFile(file, cloudConfig.apt?.conf ?? "");
  // -c reads the system's configuration, then this file: as on a member after apt_configure ran.
  const { stdout } = await run("apt-config", ["-c", file, "shell", "RECOMMENDS", "APT::Install-Recommends/b"]);
  t.is(stdout.trim(), "RECOMMENDS='false'");
});

test("the rendered systemd units pass systemd-analyze verify", async (t) => {
  if (!(await requireTool(t, "systemd-analyze"))) {
    return;
  }
  // An image of the target: the host's stock units, the binaries our packages provide (stubs),
  // and the files our cloud-config writes, taken from the rendered YAML.
  const root = await tempDir(t, "cloud-init-test-");
  const systemUnits = "/usr/lib/systemd/system";
  await cp(systemUnits, join(root, systemUnits), { recursive: true });
  for (const binary of ["/usr/bin/docker", "/usr/bin/prometheus-node-exporter", "/bin/kill"]) {
    await mkdir(join(root, dirname(binary)), { recursive: true });
    await writeFile(join(root, binary), "#!/bin/sh\n");
    await chmod(join(root, binary), 0o755);
  }
  const dockerUnit = join(root, systemUnits, "docker.service");
  await writeFile(dockerUnit, "[Unit]\nDescription=stand-in for docker.io's unit\n[Service]\nExecStart=/usr/bin/docker\n");
  for (const file of cloudConfig.write_files ?? []) {
    await mkdir(join(root, dirname(file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.content);
  }

  const units = ["/etc/systemd/system/http-load-generator.service"];
  const exporterUnit = join(systemUnits, "prometheus-node-exporter.service");
  try {
    await access(join(root, exporterUnit));
    units.push(exporterUnit);
  } catch {
    if (process.env.CI === "true") {
      t.fail("prometheus-node-exporter is not installed (CI must install it)");
      return;
    }
    t.log("node_exporter drop-in not verified: install prometheus-node-exporter to check it against the packaged unit");
  }
  for (const unit of units) {
    const { stderr } = await run("systemd-analyze", ["verify", "--man=no", `--root=${root}`, unit]);
    t.is(stderr.trim(), "", `${unit}: systemd-analyze reported problems`);
  }
});
