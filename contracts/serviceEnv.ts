/**
 * The environment each program on the monitoring host is started with, as plain maps (rendered to
 * EnvironmentFiles elsewhere). One place ties the deployment's settings to the services' variables, so
 * the stack's min/max and thresholds are what the scaler and the alert rules actually use.
 */
import { HOST_LAYOUT } from "./hostLayout.js";
import { PORTS } from "./ports.js";

export interface ExoscaleAccess {
  zone: string;
  poolId: string;
  /** The services' least-privilege API key and secret. */
  key: string;
  secret: string;
  /** The API's base URL including /v2 (EXOSCALE_API_ENDPOINT); absent: the real API of the zone. A rehearsal points it at the emulator. */
  endpoint?: string;
}

export interface ScalingSettings {
  minSize: number;
  maxSize: number;
  scaleUpCpuPercent: number;
  scaleDownCpuPercent: number;
}

const LOOPBACK = "127.0.0.1";

function exoscaleEnv(access: ExoscaleAccess): Record<string, string> {
  return {
    EXOSCALE_KEY: access.key,
    EXOSCALE_SECRET: access.secret,
    EXOSCALE_ZONE: access.zone,
    EXOSCALE_INSTANCEPOOL_ID: access.poolId,
    ...(access.endpoint !== undefined ? { EXOSCALE_API_ENDPOINT: access.endpoint } : {}),
  };
}

export function sdAgentEnv(access: ExoscaleAccess): Record<string, string> {
  return {
    ...exoscaleEnv(access),
    SD_FILE: HOST_LAYOUT.sdFile,
    TARGET_PORT: String(PORTS.nodeExporter),
    SD_INTERVAL_SECONDS: "10",
    METRICS_HOST: LOOPBACK,
    METRICS_PORT: String(PORTS.sdAgentMetrics),
  };
}

export function scalerEnv(access: ExoscaleAccess, scaling: ScalingSettings, webhookToken: string): Record<string, string> {
  return {
    ...exoscaleEnv(access),
    // Grafana runs on the same host: the webhook receiver, /status and /metrics stay on loopback.
    LISTEN_HOST: LOOPBACK,
    LISTEN_PORT: String(PORTS.scaler),
    TICK_SECONDS: "60",
    MIN_SIZE: String(scaling.minSize),
    MAX_SIZE: String(scaling.maxSize),
    SCALE_UP_CPU: String(scaling.scaleUpCpuPercent),
    WEBHOOK_TOKEN: webhookToken,
    // Refuse replayable HMAC signatures should HMAC ever be switched on beside the token.
    WEBHOOK_HMAC_REQUIRE_TIMESTAMP: "true",
    STATE_FILE: HOST_LAYOUT.scalerStateFile,
  };
}

export function grafanaProvisionerEnv(scaling: ScalingSettings, grafanaPassword: string, webhookToken: string): Record<string, string> {
  return {
    GRAFANA_URL: `http://${LOOPBACK}:${PORTS.grafana}`,
    GRAFANA_USER: "admin",
    GRAFANA_PASSWORD: grafanaPassword,
    PROMETHEUS_URL: `http://${LOOPBACK}:${PORTS.prometheus}`,
    SCALER_URL: `http://${LOOPBACK}:${PORTS.scaler}`,
    WEBHOOK_TOKEN: webhookToken,
    SCALE_UP_CPU: String(scaling.scaleUpCpuPercent),
    SCALE_DOWN_CPU: String(scaling.scaleDownCpuPercent),
    GRAFANA_WAIT_SECONDS: "120",
  };
}

/** Grafana's own unit: the admin password it takes on its first start with a fresh database. */
export function grafanaServerEnv(adminPassword: string): Record<string, string> {
  return { GF_SECURITY_ADMIN_PASSWORD: adminPassword };
}
