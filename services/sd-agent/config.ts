/** The SD agent's configuration, read from the environment and validated at start-up (pure). */
import { EnvReader } from "../shared/env.js";
import { EXOSCALE_ZONES, isExoscaleZone } from "../exoscale/zones.js";

export interface SdAgentConfig {
  exoscale: {
    key: string;
    secret: string;
    zone: string;
    /** Full base URL including /v2, when not the zone's public endpoint. */
    endpoint?: string;
  };
  /** One or more instance pools, all in the same zone. */
  poolIds: string[];
  targetPort: number;
  sdFile: string;
  intervalMs: number;
  /** Where /metrics is served; undefined when METRICS_PORT=off. */
  metrics?: { port: number; host: string };
}

export const DEFAULT_SD_FILE = "/srv/service-discovery/config.json";
export const DEFAULT_TARGET_PORT = 9100;
export const DEFAULT_INTERVAL_SECONDS = 10;
export const DEFAULT_METRICS_PORT = 9101;
export const DEFAULT_METRICS_HOST = "127.0.0.1";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws ConfigError listing every problem. */
export function parseSdAgentConfig(env: Readonly<Record<string, string | undefined>>): SdAgentConfig {
  const read = new EnvReader(env);
  const key = read.requiredString("EXOSCALE_KEY", "the API key, EXO…");
  const secret = read.requiredString("EXOSCALE_SECRET", "the API key's secret");
  const zone = read.requiredString("EXOSCALE_ZONE", `one of ${EXOSCALE_ZONES.join(", ")}`);
  if (zone !== "" && !isExoscaleZone(zone)) {
    read.problem(`EXOSCALE_ZONE must be one of ${EXOSCALE_ZONES.join(", ")}, got "${zone}"`);
  }
  const poolIds = [...new Set(read.list("EXOSCALE_INSTANCEPOOL_ID", true).map((id) => id.toLowerCase()))];
  for (const id of poolIds) {
    if (!UUID.test(id)) read.problem(`EXOSCALE_INSTANCEPOOL_ID must be instance pool UUIDs (comma-separated), got "${id}"`);
  }
  const endpoint = read.optionalUrl("EXOSCALE_API_ENDPOINT");
  const targetPort = read.int("TARGET_PORT", { default: DEFAULT_TARGET_PORT, min: 1, max: 65535 });
  const sdFile = read.string("SD_FILE", DEFAULT_SD_FILE);
  if (!/\.(json|ya?ml)$/.test(sdFile) || sdFile.endsWith("/")) {
    read.problem(`SD_FILE must be a file ending in .json (Prometheus file_sd reads .json/.yml/.yaml), got "${sdFile}"`);
  }
  const intervalSeconds = read.int("SD_INTERVAL_SECONDS", { default: DEFAULT_INTERVAL_SECONDS, min: 1, max: 3600 });
  const metricsPortText = read.optionalString("METRICS_PORT");
  const metricsHost = read.string("METRICS_HOST", DEFAULT_METRICS_HOST);
  let metrics: SdAgentConfig["metrics"];
  if (metricsPortText?.toLowerCase() !== "off") {
    // 0 picks a free port (tests); "off" serves no metrics.
    const port = read.int("METRICS_PORT", { default: DEFAULT_METRICS_PORT, min: 0, max: 65535 });
    metrics = { port, host: metricsHost };
  }
  read.finish();
  const config: SdAgentConfig = {
    exoscale: { key, secret, zone, ...(endpoint !== undefined ? { endpoint } : {}) },
    poolIds,
    targetPort,
    sdFile,
    intervalMs: intervalSeconds * 1000,
  };
  if (metrics) config.metrics = metrics;
  return config;
}
