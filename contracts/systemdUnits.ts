/**
 * The systemd units of our programs on the monitoring host, and the drop-in that hands Grafana its admin
 * password. Every path, user and unit name comes from HOST_LAYOUT, so the units, the scripts that install
 * them and the checks that inspect them cannot drift apart.
 */
import { bundlePath, HOST_LAYOUT, type ServiceKey } from "./hostLayout.js";

/** The long-running services (the provisioner is a oneshot unit, see renderProvisionerUnit). */
export type LongRunningService = "sdAgent" | "scaler";

/** Our programs exit 2 on bad configuration (lifecycle in lib/shared): restarting cannot help then. */
export const EXIT_BAD_CONFIG = 2;

/** Grafana's unit as its Debian package installs it. */
export const GRAFANA_UNIT = "grafana-server.service";

/** What the directory for StateDirectory= is relative to on a system instance. */
const STATE_ROOT = "/var/lib/";

/**
 * Sandboxing shared by all our units: a node process that only reads its bundle and its environment and
 * talks IP (the Exoscale API, loopback) and Unix sockets (the journal).
 *
 * MemoryDenyWriteExecute= is deliberately absent: V8's JIT compiler maps memory writable and executable,
 * and node aborts at start under it.
 */
function hardening(): string[] {
  return [
    "NoNewPrivileges=yes",
    // The whole file system read-only, except what a unit adds with ReadWritePaths= or StateDirectory=.
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectProc=invisible",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RemoveIPC=yes",
    // No capabilities at all: nothing binds a privileged port or touches another user's files.
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    // A refused call fails with EPERM instead of killing the process: node treats its optional calls
    // (raising its file limit at start) as best effort.
    "SystemCallErrorNumber=EPERM",
  ];
}

/**
 * Node's options for our services (the benchmark runs the bundles with the same). V8 otherwise lets the
 * young generation grow to 16 MB per semi-space and the heap far past what a few thousand signals need:
 * under a webhook burst the scaler then sat at about 150 MB resident, with these flags about 90 MB.
 */
export const NODE_ARGS: readonly string[] = ["--max-semi-space-size=2", "--max-old-space-size=64"];

function nodeExecStart(service: ServiceKey): string {
  return `ExecStart=${[HOST_LAYOUT.node, ...NODE_ARGS, bundlePath(HOST_LAYOUT.services[service].bundle)].join(" ")}`;
}

/** User=, Group= (the user's own group) and EnvironmentFile= of one of our services. */
function identity(service: ServiceKey): string[] {
  const layout = HOST_LAYOUT.services[service];
  return [`User=${layout.user}`, `Group=${layout.user}`, `EnvironmentFile=${layout.envFile}`];
}

/** The last element of the scaler's state directory: StateDirectory= takes a name under /var/lib. */
export function scalerStateDirectoryName(stateDir: string = HOST_LAYOUT.scalerStateDir): string {
  const name = stateDir.slice(STATE_ROOT.length);
  if (!stateDir.startsWith(STATE_ROOT) || name === "" || name.includes("/")) {
    throw new RangeError(`the scaler's state directory ${stateDir} must be a directory directly under ${STATE_ROOT}`);
  }
  return name;
}

/** What each long-running service may write, and why. */
function writablePaths(service: LongRunningService): string[] {
  if (service === "sdAgent") {
    return [
      // The file_sd directory is all it writes (atomically, through a temporary file beside the target).
      `ReadWritePaths=${HOST_LAYOUT.sdDir}`,
      // Prometheus, another user, reads the targets file: keep new files world-readable.
      "UMask=0022",
    ];
  }
  return [
    // systemd creates the state directory owned by User= on each start; nothing else is writable.
    `StateDirectory=${scalerStateDirectoryName()}`,
    "StateDirectoryMode=0700",
    "UMask=0077",
  ];
}

const DESCRIPTIONS: Record<LongRunningService, string> = {
  sdAgent: "exoscale-autoscaler SD agent: the instance pool's members as Prometheus file_sd targets",
  scaler: "exoscale-autoscaler scaler: resizes the instance pool on Grafana's CPU alerts",
};

/** The unit of the SD agent or the scaler: restarted on failure, except after a configuration error. */
export function renderServiceUnit(service: LongRunningService): string {
  return [
    "[Unit]",
    `Description=${DESCRIPTIONS[service]}`,
    // Both call the Exoscale API at start: wait for a configured network.
    "Wants=network-online.target",
    "After=network-online.target",
    // Never give up restarting after a run of transient failures (an API outage at boot).
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    // exec: `systemctl start` fails when node itself cannot be started, not only later.
    "Type=exec",
    ...identity(service),
    nodeExecStart(service),
    "Restart=on-failure",
    "RestartSec=5",
    `RestartPreventExitStatus=${EXIT_BAD_CONFIG}`,
    ...writablePaths(service),
    ...hardening(),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/**
 * The Grafana provisioner: a oneshot unit a remote command starts (and `systemctl start` waits for), after
 * Grafana. It talks to Grafana over loopback only and writes nothing.
 */
export function renderProvisionerUnit(): string {
  return [
    "[Unit]",
    "Description=exoscale-autoscaler Grafana provisioner: the data source, alert rules and contact point",
    `Wants=${GRAFANA_UNIT}`,
    `After=${GRAFANA_UNIT}`,
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=no",
    ...identity("grafanaProvisioner"),
    nodeExecStart("grafanaProvisioner"),
    // A oneshot unit has no start timeout by default: never let a hung run hold the deployment forever.
    "TimeoutStartSec=300",
    ...hardening(),
    "",
  ].join("\n");
}

/**
 * Drop-in for Grafana's packaged unit: its admin password (GF_SECURITY_ADMIN_PASSWORD) comes from a
 * root-only environment file. Grafana applies it only on its first start with a fresh database, so the
 * file must be in place before Grafana ever starts.
 */
export function renderGrafanaDropIn(): string {
  return ["[Service]", `EnvironmentFile=${HOST_LAYOUT.grafanaEnvFile}`, ""].join("\n");
}
