/**
 * The rehearsal: a booted Debian 12 host in its own network namespace, the monitoring host's remote
 * commands run on it as the mocked Pulumi graph holds them, then checks, a second run that must change
 * nothing, a changed bundle that must restart only its service, and a unit that fails on purpose.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ssh2 from "ssh2";
import { buildBundles, sha256, type Bundles } from "../../components/bundles.js";
import { DEFAULTS } from "../../components/config.js";
import type { MonitoringProvisioningArgs } from "../../components/monitoringProvisioning.js";
import { HOST_LAYOUT } from "../../contracts/hostLayout.js";
import { PORTS as HOST_PORTS } from "../../contracts/ports.js";
import { generateCredential, startEmulator, type Emulator } from "../emulator/server.js";
import { MOCK_VALUES } from "../../test/helpers/pulumiMocks.js";
import { buildStandInRepo, serveDirectory, type RepoServer } from "./aptRepo.js";
import {
  formatChecks,
  grafanaSnapshot,
  hostSnapshot,
  runChecks,
  snapshotDifferences,
  type CheckContext,
  type CheckResult,
  type InsideShell,
} from "./checks.js";
import { boot } from "./container.js";
import { runStep, runSteps, sshRun, StepError } from "./driver.js";
import { buildSteps, changedSteps, type Connection, type Step } from "./graph.js";
import { ensureImage, imageIsCached, imageRecipe, prepareRunRoot, systemDebianMirror, type Image } from "./image.js";
import { run } from "./exec.js";
import { currentIpForward, setUpNetwork } from "./network.js";
import { CONSOLE_LOG, NETWORK, PORTS, REPO_ROOT, RUN_DIR, SSH_USER } from "./settings.js";
import { acquireLock, leftovers, recordState, RUN_ROOT, tearDown } from "./teardown.js";

export interface RehearsalOptions {
  log: (line: string) => void;
  /** Break one thing on purpose before the checks (see SABOTAGE), to see the rehearsal fail. */
  sabotage?: string;
  /** Skip the failing-unit fault (faster). */
  skipFaults?: boolean;
  /** Called once everything has passed, before teardown (e.g. wait for Ctrl-C to look inside). */
  beforeTeardown?: () => Promise<void>;
}

export interface RehearsalReport {
  ok: boolean;
  timings: Record<string, number>;
  checks: CheckResult[];
  idempotency: string[];
  changedBundle: { reran: string[]; differences: string[] };
  faults: string[];
  failures: string[];
  leftovers: string[];
}

/** Things the rehearsal can break on purpose (REHEARSE_BREAK=name), each caught by one check. */
export const SABOTAGE: Record<string, { when: "before-checks" | "before-second-run"; command: string; caughtBy: string }> = {
  "secret-mode": { when: "before-checks", command: `sudo chmod 0644 ${HOST_LAYOUT.services.scaler.envFile}`, caughtBy: "owners and modes" },
  "secret-owner": {
    when: "before-checks",
    command: `sudo chown root:root ${HOST_LAYOUT.services.sdAgent.envFile}`,
    caughtBy: "owners and modes",
  },
  "stop-unit": { when: "before-checks", command: "sudo systemctl stop prometheus-node-exporter.service", caughtBy: "every unit is active" },
  "prometheus-config": {
    when: "before-checks",
    command: `echo '# edited' | sudo tee -a ${HOST_LAYOUT.prometheusConfig} >/dev/null`,
    caughtBy: "Prometheus answers with the rendered configuration",
  },
  "sd-file": {
    when: "before-checks",
    command: `sudo systemctl stop ${HOST_LAYOUT.services.sdAgent.unit} && echo '[]' | sudo tee ${HOST_LAYOUT.sdFile} >/dev/null`,
    caughtBy: "the SD file lists the pool's members",
  },
  "scaler-public": {
    when: "before-checks",
    command: `sudo sed -i 's/^LISTEN_HOST=.*/LISTEN_HOST="0.0.0.0"/' ${HOST_LAYOUT.services.scaler.envFile} && sudo systemctl restart ${HOST_LAYOUT.services.scaler.unit} && sleep 2`,
    caughtBy: "the scaler answers only on 127.0.0.1",
  },
  "unit-verify": {
    when: "before-checks",
    command: `echo 'Bogus=yes' | sudo tee -a /etc/systemd/system/${HOST_LAYOUT.services.sdAgent.unit} >/dev/null`,
    caughtBy: "systemd-analyze verify",
  },
  "grafana-objects": {
    when: "before-checks",
    // The stand-in keeps its objects in memory: a restart loses what the provisioner made.
    command: "sudo systemctl restart grafana-server.service && sleep 2",
    caughtBy: "the provisioner's objects",
  },
  "installed-file": {
    when: "before-second-run",
    command: `echo '// edited' | sudo tee -a /opt/exoscale-autoscaler/sd-agent.cjs >/dev/null`,
    caughtBy: "the second run changes nothing",
  },
};

/**
 * The run's ed25519 key pair. ssh2's generator now and then (about 1 in 300) writes a private key its own
 * parser refuses, so each one is parsed back before use.
 */
export function generateSshKey(): { private: string; public: string } {
  for (let attempt = 0; attempt < 10; attempt++) {
    const keys = ssh2.utils.generateKeyPairSync("ed25519");
    if (!(ssh2.utils.parseKey(keys.private) instanceof Error)) return keys;
  }
  throw new Error("could not generate an ed25519 key that ssh2 parses");
}

/**
 * The cached image, built first (in a child process) when absent. Built in this process, the later NAT
 * table was seen by this process's nft calls but not by the rest of the machine (observed twice here, cause
 * not found); built in a process of its own, it is not.
 */
async function imageInOwnProcess(log: (line: string) => void): Promise<Image> {
  const recipe = imageRecipe(systemDebianMirror());
  if (imageIsCached(recipe)) return ensureImage(recipe, log);
  log("image: not cached; building it (about a minute)");
  const result = await run(process.execPath, ["--import", "tsx", join(REPO_ROOT, "sandbox/rehearsal/buildImage.ts")], {
    cwd: REPO_ROOT,
    timeoutMs: 15 * 60_000,
  });
  for (const line of result.stderr.trim().split("\n")) if (line) log(line);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as Image;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** A copy of a bundle with some bytes appended: a "new release" for the trigger test, or a broken one. */
function variantBundle(bundles: Bundles, name: keyof Bundles, dir: string, append: string, replace = false): Bundles {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.cjs`);
  if (replace) writeFileSync(path, append);
  else {
    copyFileSync(bundles[name].path, path);
    appendFileSync(path, append);
  }
  return { ...bundles, [name]: { name, path, sha256: sha256(readFileSync(path)) } };
}

export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
  const log = options.log;
  const timings: Record<string, number> = {};
  const failures: string[] = [];
  const report: RehearsalReport = {
    ok: false,
    timings,
    checks: [],
    idempotency: [],
    changedBundle: { reran: [], differences: [] },
    faults: [],
    failures,
    leftovers: [],
  };
  const started = Date.now();
  let repo: RepoServer | undefined;
  let emulator: Emulator | undefined;
  let release: () => void;
  try {
    release = acquireLock();
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
    return report;
  }
  try {
    await tearDown((l) => log(`${l} (left by an earlier run)`));

    let t = Date.now();
    const image = await imageInOwnProcess(log);
    timings.imageBuildSeconds = image.built ? seconds(image.buildMs) : 0;

    const keys = generateSshKey();
    t = Date.now();
    await prepareRunRoot(image, RUN_ROOT, keys.public);
    writeFileSync(join(RUN_DIR, "id_ed25519"), keys.private, { mode: 0o600 });
    timings.copyRootSeconds = seconds(Date.now() - t);

    const ipForward = currentIpForward();
    recordState({ previousIpForward: ipForward });
    await setUpNetwork(log, ipForward);

    t = Date.now();
    const grafanaVersion = DEFAULTS.grafanaVersion;
    const standIns = await buildStandInRepo(join(RUN_DIR, "repo"), grafanaVersion);
    recordState({ gpgHome: standIns.key.home });
    repo = await serveDirectory(standIns.dir, NETWORK.hostAddress, PORTS.repo);
    timings.standInRepoSeconds = seconds(Date.now() - t);
    log(`repo: grafana ${grafanaVersion} (fake Grafana) and nodejs ${process.versions.node} at ${repo.url}`);

    const credential = generateCredential();
    const poolId = randomUUID();
    emulator = await startEmulator({
      host: NETWORK.hostAddress,
      port: PORTS.emulator,
      credentials: [credential],
      pools: [{ id: poolId, size: 2, name: "rehearsal-pool" }],
    });
    const poolTargets = emulator.pool(poolId).members.map((m) => `${m.publicIp}:${HOST_PORTS.nodeExporter}`);
    log(`emulator: ${emulator.url}, pool ${poolId} with ${poolTargets.join(", ")}`);

    const bundles = buildBundles();
    const args = (b: Bundles): MonitoringProvisioningArgs => ({
      host: NETWORK.guestAddress,
      sshUser: SSH_USER,
      sshPrivateKey: keys.private,
      zone: emulator!.zone,
      poolId,
      serviceKey: credential.key,
      serviceSecret: credential.secret,
      scaling: { minSize: 2, maxSize: 4, scaleUpCpuPercent: 80, scaleDownCpuPercent: 20 },
      grafanaVersion,
      bundles: b,
      packageSources: {
        grafanaAptUrl: `${repo!.url}/grafana`,
        grafanaKeyUrl: `${repo!.url}/key.asc`,
        nodeAptUrl: `${repo!.url}/node`,
        nodeKeyUrl: `${repo!.url}/key.asc`,
      },
      nodeMajor: Number(process.versions.node.split(".")[0]),
      apiEndpoint: emulator!.url,
    });
    const steps = await buildSteps("rehearsal", args(bundles));
    log(`graph: ${steps.filter((s) => s.kind === "command").length} commands, ${steps.filter((s) => s.kind === "copy").length} copies`);
    const connection: Connection = steps[0].connection;
    const sh: InsideShell = (command) => sshRun(connection, command);

    // Boot, and start the first command at once: the host is not up yet, the driver dials as the connection says.
    t = Date.now();
    const container = boot(RUN_ROOT, CONSOLE_LOG);
    recordState({ nspawnPid: container.pid });
    log(`boot: systemd-nspawn ${container.pid}; the first command dials while the host boots`);
    const first = await runStep(steps[0], { log });
    timings.bootSeconds = seconds(Date.now() - t);
    log(`boot: sshd answered after ${first.failedDials} failed dial(s), ${timings.bootSeconds} s`);
    report.faults.push(`the host was not up for the first command: it waited through ${first.failedDials} failed dial(s)`);

    t = Date.now();
    await runSteps(steps.slice(1), { log });
    timings.firstRunSeconds = seconds(Date.now() - t + first.ms);
    log(`first run: ${timings.firstRunSeconds} s`);

    const ctx: CheckContext = {
      sh,
      hostAddress: NETWORK.guestAddress,
      poolTargets,
      grafanaPassword: MOCK_VALUES.randomPassword("grafana-admin"),
    };
    const sabotage = options.sabotage ? SABOTAGE[options.sabotage] : undefined;
    if (options.sabotage && !sabotage) throw new Error(`unknown sabotage ${options.sabotage}; known: ${Object.keys(SABOTAGE).join(", ")}`);
    const breakIt = async (when: string) => {
      if (sabotage?.when !== when) return;
      log(`sabotage ${options.sabotage}: ${sabotage.command} (should be caught by: ${sabotage.caughtBy})`);
      const r = await sh(sabotage.command);
      if (r.code !== 0) throw new Error(`sabotage failed: ${r.stderr}`);
    };

    await breakIt("before-checks");
    t = Date.now();
    report.checks = await runChecks(ctx);
    timings.checksSeconds = seconds(Date.now() - t);
    log(`checks:\n${formatChecks(report.checks)}`);
    for (const c of report.checks.filter((c) => !c.ok)) failures.push(`check failed: ${c.name}: ${c.detail}`);

    // Idempotency: every command again, as a re-run of `pulumi up --replace` on each would.
    await breakIt("before-second-run");
    const before = { host: await hostSnapshot(sh), grafana: JSON.stringify(await grafanaSnapshot(ctx)) };
    t = Date.now();
    await runSteps(steps, { log: () => {} });
    timings.secondRunSeconds = seconds(Date.now() - t);
    const after = { host: await hostSnapshot(sh), grafana: JSON.stringify(await grafanaSnapshot(ctx)) };
    report.idempotency = snapshotDifferences(before.host, after.host);
    if (before.grafana !== after.grafana) report.idempotency.push("Grafana's objects changed");
    log(
      `second run: ${timings.secondRunSeconds} s, ${report.idempotency.length ? `CHANGED: ${report.idempotency.join("; ")}` : "changed nothing"}`,
    );
    if (report.idempotency.length) failures.push(`the second run changed: ${report.idempotency.join("; ")}`);
    if (sabotage) throw new Error(`stopped after the sabotaged phase (${options.sabotage})`);

    // A changed bundle re-runs only what its triggers say, and only its service restarts.
    const changed = variantBundle(bundles, "scaler", join(RUN_DIR, "bundles-v2"), "\n// rehearsal: a new release\n");
    const steps2 = await buildSteps("rehearsal-v2", args(changed));
    const rerun = changedSteps(steps, steps2);
    report.changedBundle.reran = rerun.map((s) => s.step);
    const expectRerun = ["copy-scaler.cjs", "scaler"];
    if (JSON.stringify(report.changedBundle.reran) !== JSON.stringify(expectRerun)) {
      failures.push(
        `a changed scaler bundle re-runs ${JSON.stringify(report.changedBundle.reran)}, expected ${JSON.stringify(expectRerun)}`,
      );
    }
    await runSteps(rerun, { log });
    const afterChange = await hostSnapshot(sh);
    report.changedBundle.differences = snapshotDifferences(after.host, afterChange);
    const scalerUnit = HOST_LAYOUT.services.scaler.unit;
    const allowed = [`unit ${scalerUnit}`, "file /opt/exoscale-autoscaler/scaler.cjs"];
    const keys2 = Object.keys(afterChange).filter((k) => after.host[k] !== afterChange[k]);
    if (JSON.stringify(keys2.sort()) !== JSON.stringify(allowed.sort())) {
      failures.push(`after the changed bundle, these changed: ${JSON.stringify(keys2)}; expected exactly ${JSON.stringify(allowed)}`);
    }
    log(`changed bundle: re-ran ${report.changedBundle.reran.join(", ")}; changed on the host: ${keys2.join(", ")}`);

    if (!options.skipFaults) {
      // A unit that fails to start makes the run fail with its last journal lines.
      const broken = variantBundle(
        bundles,
        "scaler",
        join(RUN_DIR, "bundles-broken"),
        'console.error("rehearsal: this bundle exits 2 on purpose");\nprocess.exit(2);\n',
        true,
      );
      const steps3 = await buildSteps("rehearsal-broken", args(broken));
      let fault: unknown;
      try {
        await runSteps(changedSteps(steps2, steps3), { log });
      } catch (error) {
        fault = error;
      }
      if (
        fault instanceof StepError &&
        fault.step === "scaler" &&
        /exits 2 on purpose/.test(fault.output) &&
        /journal lines/.test(fault.output)
      ) {
        report.faults.push("a failing unit fails its command with its journal lines");
        log(
          `fault: the scaler command failed as it should:\n${fault.output
            .trim()
            .split("\n")
            .slice(-6)
            .map((l) => `    ${l}`)
            .join("\n")}`,
        );
      } else {
        failures.push(
          `a failing scaler unit did not fail the run with its journal: ${fault instanceof Error ? fault.message : String(fault)}`,
        );
      }
      // Put the good release back, so the host ends healthy.
      await runSteps(changedSteps(steps3, steps), { log: () => {} });
    }
    report.ok = failures.length === 0;
    if (report.ok && options.beforeTeardown) await options.beforeTeardown();
  } catch (error) {
    if (!(options.sabotage && error instanceof Error && error.message.startsWith("stopped after the sabotaged phase"))) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  } finally {
    await repo?.close();
    await emulator?.close();
    await tearDown(log);
    report.leftovers = await leftovers();
    if (report.leftovers.length) failures.push(`left behind: ${report.leftovers.join(", ")}`);
    timings.totalSeconds = seconds(Date.now() - started);
    report.ok = failures.length === 0;
    release();
  }
  return report;
}

export type { Step };
