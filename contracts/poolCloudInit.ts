import { PORTS } from "./ports.js";

/** The deliberately slow, CPU-bound web app every pool member serves. */
export const APP_IMAGE = "quay.io/janoszen/http-load-generator:1.0.1";
export const APP_SERVICE = "http-load-generator.service";
export const NODE_EXPORTER_SERVICE = "prometheus-node-exporter.service";
/**
 * Ubuntu packages installed on every member (Docker from the distribution, not a vendor repo).
 * Recommendations are off (see {@link APT_CONF}), so the two docker.io needs are named: without
 * apparmor_parser Docker cannot start containers on Ubuntu's AppArmor kernel, and pulling the
 * image over TLS needs the CA roots. Both are usually preinstalled, then this costs nothing.
 */
export const POOL_PACKAGES = ["docker.io", "prometheus-node-exporter", "apparmor", "ca-certificates"] as const;

/**
 * apt configuration cloud-init writes before it installs the packages: recommendations (git,
 * smartmontools, nvme-cli, moreutils…) would slow every new member's boot and fill its small disk.
 */
export const APT_CONF = 'APT::Install-Recommends "false";\n';

/** Exoscale accepts at most this many characters of base64-encoded user data. */
export const MAX_USER_DATA_BASE64 = 32768;

export interface RenderedFile {
  path: string;
  content: string;
}

/**
 * systemd unit running the app container in the foreground: systemd restarts it whatever the
 * cause (Restart=always, never giving up) and starts it at boot (WantedBy=multi-user.target).
 */
export function appServiceUnit(image: string = APP_IMAGE, port: number = PORTS.app): string {
  return [
    "[Unit]",
    "Description=http-load-generator (the autoscaled web app)",
    "Requires=docker.service",
    "After=docker.service network-online.target",
    "Wants=network-online.target",
    // Never stop retrying: an image pull that fails while the network comes up must not be final.
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Restart=always",
    "RestartSec=5",
    "ExecStartPre=-/usr/bin/docker rm --force http-load-generator",
    `ExecStart=/usr/bin/docker run --rm --name http-load-generator --publish ${port}:8080 ${image}`,
    "ExecStop=/usr/bin/docker stop http-load-generator",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/**
 * Drop-in for Ubuntu's node_exporter unit: pins the listen port and upgrades the package's
 * Restart=on-failure to always.
 */
export function nodeExporterDropIn(port: number = PORTS.nodeExporter): string {
  return [
    "[Unit]",
    // Never stop restarting, whatever RestartSec, manual restarts or the image's DefaultStartLimit*.
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "ExecStart=",
    `ExecStart=/usr/bin/prometheus-node-exporter --web.listen-address=:${port}`,
    "Restart=always",
    "RestartSec=5",
    "",
  ].join("\n");
}

/** The files the pool's cloud-config writes (also what tests hand to systemd-analyze). */
export function poolFiles(): RenderedFile[] {
  return [
    { path: `/etc/systemd/system/${APP_SERVICE}`, content: appServiceUnit() },
    { path: `/etc/systemd/system/${NODE_EXPORTER_SERVICE}.d/10-exoscale-autoscaler.conf`, content: nodeExporterDropIn() },
  ];
}

function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => (line === "" ? "" : pad + line))
    .join("\n");
}

/**
 * The `#cloud-config` user data of every pool member: installs Docker and node_exporter from
 * Ubuntu's archive (without recommended packages), writes the units, then enables and (re)starts
 * both services.
 */
export function renderPoolCloudInit(): string {
  const files = poolFiles()
    .map((file) =>
      [
        `  - path: ${file.path}`,
        "    owner: root:root",
        '    permissions: "0644"',
        "    content: |",
        indent(file.content.trimEnd(), 6),
      ].join("\n"),
    )
    .join("\n");
  return [
    "#cloud-config",
    `# exoscale-autoscaler pool member: http-load-generator on ${PORTS.app}, node_exporter on ${PORTS.nodeExporter}.`,
    "apt:",
    "  conf: |",
    indent(APT_CONF.trimEnd(), 4),
    "package_update: true",
    "packages:",
    ...POOL_PACKAGES.map((pkg) => `  - ${pkg}`),
    "write_files:",
    files,
    "runcmd:",
    "  - [systemctl, daemon-reload]",
    `  - [systemctl, enable, --now, docker.service]`,
    `  - [systemctl, enable, ${NODE_EXPORTER_SERVICE}]`,
    // Restart so the drop-in applies even if the package started the service before it existed.
    `  - [systemctl, restart, ${NODE_EXPORTER_SERVICE}]`,
    `  - [systemctl, enable, --now, ${APP_SERVICE}]`,
    "",
  ].join("\n");
}

/** Length of the user data once the provider base64-encodes it. */
export function base64Length(userData: string): number {
  return Buffer.from(userData, "utf8").toString("base64").length;
}
