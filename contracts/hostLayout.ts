/**
 * Where everything lives on the monitoring host: the paths, users and unit names that the rendered
 * files, the remote commands that install them and the checks that inspect them must agree on.
 */

/** Our three bundles, as `npm run build` writes them to dist/. */
export const BUNDLE_NAMES = ["sd-agent", "scaler", "grafana-provisioner"] as const;
export type BundleName = (typeof BUNDLE_NAMES)[number];

/** The long-running services (the provisioner is a oneshot unit run by a remote command). */
export interface ServiceLayout {
  bundle: BundleName;
  /** systemd unit name. */
  unit: string;
  /** Unprivileged system user it runs as. */
  user: string;
  /** EnvironmentFile with its settings and secrets (0600, owned by the user). */
  envFile: string;
}

export const HOST_LAYOUT = {
  /** Where CopyToRemote puts files over SFTP (as the SSH user); commands install them from here. Not under
   * /tmp or /var/tmp, whose cleaners would delete files a later re-run still installs from. */
  stagingDir: "/var/lib/exoscale-autoscaler-staging",
  /** The bundles, root-owned and world-readable. */
  bundleDir: "/opt/exoscale-autoscaler",
  /** Environment files (secrets included). */
  configDir: "/etc/exoscale-autoscaler",
  unitDir: "/etc/systemd/system",
  /** The file_sd directory: the only path the SD agent may write (Prometheus reads it). */
  sdDir: "/srv/service-discovery",
  sdFile: "/srv/service-discovery/config.json",
  prometheusConfig: "/etc/prometheus/prometheus.yml",
  /** The scaler's StateDirectory (systemd creates it, owned by the scaler's user). */
  scalerStateDir: "/var/lib/exoscale-autoscaler-scaler",
  scalerStateFile: "/var/lib/exoscale-autoscaler-scaler/state.json",
  /** Grafana's admin password and other settings for its unit, read before its first start. */
  grafanaEnvFile: "/etc/exoscale-autoscaler/grafana.env",
  grafanaDropIn: "/etc/systemd/system/grafana-server.service.d/10-exoscale-autoscaler.conf",
  /** Where Node.js for the bundles lives once installed. */
  node: "/usr/bin/node",
  services: {
    sdAgent: {
      bundle: "sd-agent",
      unit: "exoscale-autoscaler-sd-agent.service",
      user: "autoscaler-sd",
      envFile: "/etc/exoscale-autoscaler/sd-agent.env",
    },
    scaler: {
      bundle: "scaler",
      unit: "exoscale-autoscaler-scaler.service",
      user: "autoscaler-scaler",
      envFile: "/etc/exoscale-autoscaler/scaler.env",
    },
    grafanaProvisioner: {
      bundle: "grafana-provisioner",
      unit: "exoscale-autoscaler-grafana-provisioner.service",
      user: "autoscaler-grafana",
      envFile: "/etc/exoscale-autoscaler/grafana-provisioner.env",
    },
  },
} as const satisfies {
  services: Record<string, ServiceLayout>;
  [key: string]: unknown;
};

/** Where a bundle is installed on the host. */
export function bundlePath(bundle: BundleName): string {
  return `${HOST_LAYOUT.bundleDir}/${bundle}.cjs`;
}

export type ServiceKey = keyof typeof HOST_LAYOUT.services;

/** The names files get in HOST_LAYOUT.stagingDir when CopyToRemote uploads them. */
export const STAGED = {
  bundle: (bundle: BundleName): string => `${bundle}.cjs`,
  unit: (service: ServiceKey): string => HOST_LAYOUT.services[service].unit,
  env: (service: ServiceKey): string => `${HOST_LAYOUT.services[service].bundle}.env`,
  prometheusConfig: "prometheus.yml",
  grafanaEnv: "grafana.env",
  grafanaDropIn: "grafana-server-drop-in.conf",
} as const;

/** A staged file's full path. */
export function stagedPath(name: string): string {
  return `${HOST_LAYOUT.stagingDir}/${name}`;
}
