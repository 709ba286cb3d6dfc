/** The SD agent's configuration, read from the environment and validated at start-up (pure). */
import { HOST_LAYOUT } from "../../contracts/hostLayout.js";
import { PORTS } from "../../contracts/ports.js";
import { readExoscaleEnv, type ExoscaleEnv } from "../../lib/exoscale/env.js";
import { EnvReader } from "../../lib/shared/env.js";
import { isListenHost } from "../../lib/shared/net.js";

export interface SdAgentConfig {
  /** Credentials, zone, endpoint and one or more instance pools, all in that zone. */
  exoscale: ExoscaleEnv;
  targetPort: number;
  sdFile: string;
  intervalMs: number;
  /** Where /metrics is served; undefined when METRICS_PORT=off. */
  metrics?: { port: number; host: string };
}

export const DEFAULT_SD_FILE = HOST_LAYOUT.sdFile;
export const DEFAULT_TARGET_PORT = 9100;
export const DEFAULT_INTERVAL_SECONDS = 10;
export const DEFAULT_METRICS_PORT = PORTS.sdAgentMetrics;
export const DEFAULT_METRICS_HOST = "127.0.0.1";

/** Throws ConfigError listing every problem. */
export function readSdAgentConfig(env: Readonly<Record<string, string | undefined>>): SdAgentConfig {
  const read = new EnvReader(env);
  const exoscale = readExoscaleEnv(read, { multiplePools: true });
  const targetPort = read.int("TARGET_PORT", { default: DEFAULT_TARGET_PORT, min: 1, max: 65535 });
  const sdFile = read.string("SD_FILE", DEFAULT_SD_FILE);
  if (!/\.(json|ya?ml)$/.test(sdFile) || sdFile.endsWith("/")) {
    read.problem(`SD_FILE must be a file ending in .json, .yml or .yaml (the names Prometheus file_sd reads), got "${sdFile}"`);
  }
  const intervalSeconds = read.int("SD_INTERVAL_SECONDS", { default: DEFAULT_INTERVAL_SECONDS, min: 1, max: 3600 });
  const metricsPortText = read.optionalString("METRICS_PORT");
  const metricsHost = read.string("METRICS_HOST", DEFAULT_METRICS_HOST);
  if (!isListenHost(metricsHost)) {
    read.problem(
      `METRICS_HOST must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1) or a host name such as localhost, got "${metricsHost}"`,
    );
  }
  let metrics: SdAgentConfig["metrics"];
  if (metricsPortText?.toLowerCase() !== "off") {
    // 0 picks a free port (tests); "off" serves no metrics.
    const port = read.int("METRICS_PORT", { default: DEFAULT_METRICS_PORT, min: 0, max: 65535 });
    metrics = { port, host: metricsHost };
  }
  read.finish();
  const config: SdAgentConfig = {
    exoscale,
    targetPort,
    sdFile,
    intervalMs: intervalSeconds * 1000,
  };
  if (metrics) config.metrics = metrics;
  return config;
}
