import * as pulumi from "@pulumi/pulumi";
import { EXOSCALE_ZONES, isExoscaleZone, type ExoscaleZone } from "../contracts/zones.js";
import { cidrProblem, isOpenToWorld } from "./network/cidr.js";
import { PORTS } from "../contracts/ports.js";

/** Project config keys (`pulumi config set <key> …`), all in the project's namespace. */
export const CONFIG_KEYS = {
  exoscaleKey: "exoscale_key",
  exoscaleSecret: "exoscale_secret",
  zone: "zone",
  poolInstanceType: "pool_instance_type",
  poolDiskSize: "pool_disk_size",
  poolInitialSize: "pool_initial_size",
  poolMinSize: "pool_min_size",
  poolMaxSize: "pool_max_size",
  scaleUpCpuPercent: "scale_up_cpu_percent",
  scaleDownCpuPercent: "scale_down_cpu_percent",
  adminCidrs: "admin_cidrs",
  sshPublicKey: "ssh_public_key",
  monitoringInstanceType: "monitoring_instance_type",
  monitoringDiskSize: "monitoring_disk_size",
  templateName: "template_name",
  grafanaVersion: "grafana_version",
  sshPrivateKey: "ssh_private_key",
} as const;

/** Code-level defaults; they mirror Pulumi.yaml, whose defaults only the CLI applies. */
export const DEFAULTS = {
  zone: "at-vie-1",
  poolInstanceType: "standard.micro",
  poolDiskSize: 10,
  poolInitialSize: 1,
  poolMinSize: 1,
  poolMaxSize: 10,
  scaleUpCpuPercent: 80,
  scaleDownCpuPercent: 20,
  adminCidrs: ["0.0.0.0/0"],
  monitoringInstanceType: "standard.small",
  monitoringDiskSize: 20,
  templateName: "Linux Ubuntu 24.04 LTS 64-bit",
  // Grafana 12.x serves the /api/v1/provisioning endpoints the provisioner calls (13.x still serves them, deprecated).
  grafanaVersion: "12.4.0",
} as const;

/** The root-disk sizes Exoscale accepts (API v2 `disk-size`: 10 to 51200 GiB). */
export const MIN_DISK_SIZE_GIB = 10;
export const MAX_DISK_SIZE_GIB = 51200;

/** Every non-credential setting, typed and validated. */
export interface Settings {
  zone: ExoscaleZone;
  pool: {
    instanceType: string;
    diskSize: number;
    initialSize: number;
    minSize: number;
    maxSize: number;
  };
  scaling: {
    /** Average pool CPU (%) above which the scaler adds a member. */
    scaleUpCpuPercent: number;
    /** Average pool CPU (%) below which the scaler removes a member. */
    scaleDownCpuPercent: number;
  };
  /** Networks allowed to reach SSH, Prometheus and Grafana. */
  adminCidrs: string[];
  /** The user's own OpenSSH public key; when absent the program generates a key pair. */
  sshPublicKey?: string;
  monitoring: {
    instanceType: string;
    diskSize: number;
  };
  /** Compute template looked up by name in the zone. */
  templateName: string;
  /** Grafana OSS version installed on the monitoring host (an apt version prefix, e.g. 12.4.0). */
  grafanaVersion: string;
}

/** The raw strings Pulumi config hands us (absent = not set). */
export type RawSettings = Partial<Record<Exclude<keyof typeof CONFIG_KEYS, SecretKey>, string>>;

/** Keys read as secrets, never as plain settings. */
type SecretKey = "exoscaleKey" | "exoscaleSecret" | "sshPrivateKey";
const SECRET_FIELDS: ReadonlySet<string> = new Set<SecretKey>(["exoscaleKey", "exoscaleSecret", "sshPrivateKey"]);

/** The Grafana majors whose provisioning API the provisioner is written against. */
const GRAFANA_MAJORS = [12, 13];

/** A user mistake in the stack configuration: reported without a stack trace (RunError). */
export class ConfigValidationError extends pulumi.RunError {
  constructor(public readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigValidationError";
  }
}

/** Limits on an integer setting, reported as "<key> must be at least/at most <n> <unit>". */
interface IntBounds {
  min?: number;
  max?: number;
  unit?: string;
}

const INSTANCE_TYPE = /^[a-z0-9]+\.[a-z0-9]+$/;
const SSH_PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;

/**
 * Turns raw config strings into typed settings, or throws one ConfigValidationError that lists
 * every problem found (so the user fixes them all in one round). Pure: no Pulumi state read.
 */
export function parseSettings(raw: RawSettings, extraProblems: readonly string[] = []): Settings {
  const problems: string[] = [...extraProblems];

  const int = (field: keyof RawSettings, fallback: number, bounds: IntBounds = {}): number => {
    const text = raw[field];
    if (text === undefined || text.trim() === "") {
      return fallback;
    }
    if (!/^-?\d+$/.test(text.trim())) {
      problems.push(`${CONFIG_KEYS[field]} must be a whole number, got "${text}"`);
      return fallback;
    }
    const value = Number(text.trim());
    const unit = bounds.unit === undefined ? "" : ` ${bounds.unit}`;
    if (bounds.min !== undefined && value < bounds.min) {
      problems.push(`${CONFIG_KEYS[field]} must be at least ${bounds.min}${unit}, got ${value}`);
    } else if (bounds.max !== undefined && value > bounds.max) {
      problems.push(`${CONFIG_KEYS[field]} must be at most ${bounds.max}${unit}, got ${value}`);
    }
    return value;
  };
  const str = (field: keyof RawSettings, fallback: string): string => {
    const text = raw[field]?.trim();
    return text === undefined || text === "" ? fallback : text;
  };

  const zone = str("zone", DEFAULTS.zone);
  if (!isExoscaleZone(zone)) {
    problems.push(`${CONFIG_KEYS.zone} "${zone}" is not an Exoscale zone (one of: ${EXOSCALE_ZONES.join(", ")})`);
  }

  const diskSize = { min: MIN_DISK_SIZE_GIB, max: MAX_DISK_SIZE_GIB, unit: "GiB" };
  const pool = {
    instanceType: str("poolInstanceType", DEFAULTS.poolInstanceType),
    diskSize: int("poolDiskSize", DEFAULTS.poolDiskSize, diskSize),
    initialSize: int("poolInitialSize", DEFAULTS.poolInitialSize),
    // At least 1: a pool of 0 has no member, so no node_exporter and no CPU series, so the scale-up alert
    // could never fire again and nothing would ever grow the pool back (the scaler refuses MIN_SIZE 0 too).
    minSize: int("poolMinSize", DEFAULTS.poolMinSize, { min: 1 }),
    maxSize: int("poolMaxSize", DEFAULTS.poolMaxSize),
  };
  const monitoring = {
    instanceType: str("monitoringInstanceType", DEFAULTS.monitoringInstanceType),
    diskSize: int("monitoringDiskSize", DEFAULTS.monitoringDiskSize, diskSize),
  };
  for (const [key, type] of [
    [CONFIG_KEYS.poolInstanceType, pool.instanceType],
    [CONFIG_KEYS.monitoringInstanceType, monitoring.instanceType],
  ] as const) {
    if (!INSTANCE_TYPE.test(type)) {
      problems.push(`${key} must look like <family>.<size> (e.g. standard.micro), got "${type}"`);
    }
  }

  if (pool.minSize > pool.maxSize) {
    problems.push(`${CONFIG_KEYS.poolMinSize} (${pool.minSize}) must not exceed ${CONFIG_KEYS.poolMaxSize} (${pool.maxSize})`);
  } else if (pool.initialSize < pool.minSize || pool.initialSize > pool.maxSize) {
    // Only meaningful once the range itself is valid.
    problems.push(
      `${CONFIG_KEYS.poolInitialSize} (${pool.initialSize}) must be within [${CONFIG_KEYS.poolMinSize}, ${CONFIG_KEYS.poolMaxSize}] = [${pool.minSize}, ${pool.maxSize}]`,
    );
  }

  const scaling = {
    scaleUpCpuPercent: int("scaleUpCpuPercent", DEFAULTS.scaleUpCpuPercent),
    scaleDownCpuPercent: int("scaleDownCpuPercent", DEFAULTS.scaleDownCpuPercent),
  };
  const { scaleUpCpuPercent: up, scaleDownCpuPercent: down } = scaling;
  if (!(0 < down && down < up && up < 100)) {
    problems.push(
      `thresholds must satisfy 0 < ${CONFIG_KEYS.scaleDownCpuPercent} < ${CONFIG_KEYS.scaleUpCpuPercent} < 100, got down=${down}, up=${up}`,
    );
  }

  const adminCidrs = parseCidrList(raw.adminCidrs, problems);

  const sshPublicKey = raw.sshPublicKey?.trim() || undefined;
  if (sshPublicKey !== undefined && !SSH_PUBLIC_KEY.test(sshPublicKey)) {
    problems.push(`${CONFIG_KEYS.sshPublicKey} must be one OpenSSH public key line (e.g. "ssh-ed25519 AAAA… you@host")`);
  }

  const grafanaVersion = str("grafanaVersion", DEFAULTS.grafanaVersion);
  const grafanaMajor = /^(\d+)\.\d+(\.\d+)?$/.exec(grafanaVersion)?.[1];
  if (grafanaMajor === undefined || !GRAFANA_MAJORS.includes(Number(grafanaMajor))) {
    problems.push(
      `${CONFIG_KEYS.grafanaVersion} must be a Grafana ${GRAFANA_MAJORS.join(".x or ")}.x version such as ${DEFAULTS.grafanaVersion}, got "${grafanaVersion}"`,
    );
  }

  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return {
    zone: zone as ExoscaleZone,
    pool,
    scaling,
    adminCidrs,
    sshPublicKey,
    monitoring,
    templateName: str("templateName", DEFAULTS.templateName),
    grafanaVersion,
  };
}

/** Accepts a JSON array (what the CLI passes for typed array config) or a comma-separated list. */
function parseCidrList(text: string | undefined, problems: string[]): string[] {
  const key = CONFIG_KEYS.adminCidrs;
  if (text === undefined || text.trim() === "") {
    return [...DEFAULTS.adminCidrs];
  }
  let items: unknown;
  if (text.trim().startsWith("[")) {
    try {
      items = JSON.parse(text);
    } catch {
      problems.push(`${key} is not a valid JSON array: ${text}`);
      return [];
    }
  } else {
    items = text.split(",");
  }
  if (!Array.isArray(items) || items.some((item) => typeof item !== "string")) {
    problems.push(`${key} must be a list of CIDR strings`);
    return [];
  }
  const cidrs = [...new Set((items as string[]).map((item) => item.trim()))];
  if (cidrs.length === 0) {
    problems.push(`${key} must name at least one network, or nobody can reach SSH, Prometheus and Grafana`);
  }
  for (const cidr of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem !== undefined) {
      problems.push(`${key} entry "${cidr}" ${problem}`);
    }
  }
  return cidrs;
}

/** The warning `pulumi up` prints when admin ports are open to everyone (undefined when not). */
export function adminCidrWarning(adminCidrs: readonly string[]): string | undefined {
  if (!adminCidrs.some(isOpenToWorld)) {
    return undefined;
  }
  return (
    `${CONFIG_KEYS.adminCidrs} includes the whole Internet: SSH (${PORTS.ssh}), Prometheus (${PORTS.prometheus}) and Grafana (${PORTS.grafana}) ` +
    `are reachable from anywhere. Narrow it to your own address, e.g. ` +
    `pulumi config set --path '${CONFIG_KEYS.adminCidrs}[0]' 203.0.113.7/32`
  );
}

/** The user's Exoscale credentials; they only configure the provider on the user's machine. */
export interface Credentials {
  key: string;
  secret: pulumi.Output<string>;
}

export interface LoadedConfig {
  settings: Settings;
  credentials: Credentials;
  /** The private half of `ssh_public_key` (secret), for the remote commands; absent when the key is generated. */
  sshPrivateKey?: pulumi.Output<string>;
}

/**
 * Reads the stack configuration and validates it before any resource is declared. Missing
 * credentials are reported together with every other problem.
 */
export function loadConfig(config: pulumi.Config = new pulumi.Config()): LoadedConfig {
  const problems: string[] = [];
  const key = config.get(CONFIG_KEYS.exoscaleKey);
  if (key === undefined || key.trim() === "") {
    problems.push(`${CONFIG_KEYS.exoscaleKey} is required: pulumi config set ${CONFIG_KEYS.exoscaleKey} EXO…`);
  }
  const secret = config.getSecret(CONFIG_KEYS.exoscaleSecret);
  // Read as text only to see that it is not blank; what is used is the secret Output.
  if (secret === undefined || config.get(CONFIG_KEYS.exoscaleSecret)?.trim() === "") {
    problems.push(`${CONFIG_KEYS.exoscaleSecret} is required: pulumi config set --secret ${CONFIG_KEYS.exoscaleSecret} …`);
  }
  const raw: RawSettings = {};
  for (const field of Object.keys(CONFIG_KEYS) as (keyof typeof CONFIG_KEYS)[]) {
    if (SECRET_FIELDS.has(field)) {
      continue;
    }
    raw[field as keyof RawSettings] = config.get(CONFIG_KEYS[field]);
  }
  // The remote commands log in with the private key of whatever public key the VMs get.
  const sshPrivateKey = config.getSecret(CONFIG_KEYS.sshPrivateKey);
  const privateKeyBlank = sshPrivateKey === undefined || config.get(CONFIG_KEYS.sshPrivateKey)?.trim() === "";
  const publicKeyGiven = (raw.sshPublicKey?.trim() ?? "") !== "";
  if (publicKeyGiven && privateKeyBlank) {
    problems.push(
      `${CONFIG_KEYS.sshPrivateKey} is required when ${CONFIG_KEYS.sshPublicKey} is set (the monitoring host is provisioned over SSH with it): ` +
        `pulumi config set --secret ${CONFIG_KEYS.sshPrivateKey} -- "$(cat ~/.ssh/id_ed25519)"`,
    );
  } else if (!publicKeyGiven && !privateKeyBlank) {
    problems.push(
      `${CONFIG_KEYS.sshPrivateKey} is set but ${CONFIG_KEYS.sshPublicKey} is not: set both (your own key pair) or neither (a generated one)`,
    );
  }
  const settings = parseSettings(raw, problems);
  return {
    settings,
    credentials: { key: (key as string).trim(), secret: (secret as pulumi.Output<string>).apply((value) => value.trim()) },
    ...(publicKeyGiven && sshPrivateKey !== undefined ? { sshPrivateKey } : {}),
  };
}
