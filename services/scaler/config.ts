import { PORTS } from "../../contracts/ports.js";
import { readExoscaleEnv, type ExoscaleEnv } from "../../lib/exoscale/env.js";
import { EnvReader } from "../../lib/shared/env.js";
import { isListenHost } from "../../lib/shared/net.js";
import type { AuthSettings } from "./auth.js";
import { POLICY_PRESETS, type PolicyOptions, type VictimChoice } from "./policy/options.js";

export interface ScalerConfig {
  /** The shared EXOSCALE_* settings (exactly one pool) plus the per-attempt API timeout. */
  exoscale: ExoscaleEnv;
  /** The one pool this scaler drives (a lower-cased UUID). */
  poolId: string;
  listenHost: string;
  listenPort: number;
  tickMs: number;
  /** A firing alert stops counting this long after it was last seen; 0 = until resolved. */
  signalTtlMs: number;
  bodyLimitBytes: number;
  /** Who may send signals (WEBHOOK_TOKEN, WEBHOOK_HMAC_*). */
  auth: AuthSettings;
  /** refId of the Grafana `values` entry that carries the CPU percentage. */
  cpuValueRef: string;
  dryRun: boolean;
  /** Where held signals and pending changes survive a restart; undefined = memory only. */
  stateFile?: string;
  logLevel: "debug" | "info" | "warn" | "error";
  policy: PolicyOptions;
}

export const DEFAULT_LISTEN_PORT = PORTS.scaler;

/**
 * Reads and validates the scaler's environment. Every problem is reported at once (ConfigError). The
 * policy's defaults come from SCALING_PRESET: `tuned` (the benchmark's choice) unless `course` (exactly
 * the assignment: ±1 per 60 s tick within [1, 10]); any setting given explicitly wins over the preset.
 */
export function readScalerConfig(env: Readonly<Record<string, string | undefined>>): ScalerConfig {
  const r = new EnvReader(env);
  const exoscale = readExoscaleEnv(r, { multiplePools: false });

  // Loopback by default: Grafana runs on the same host, and /status and /metrics need no credentials.
  const listenHost = r.string("LISTEN_HOST", "127.0.0.1");
  if (!isListenHost(listenHost)) {
    r.problem(`LISTEN_HOST must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1) or a host name such as localhost, got "${listenHost}"`);
  }
  const listenPort = r.int("LISTEN_PORT", { default: DEFAULT_LISTEN_PORT, min: 0, max: 65535 });
  const tickSeconds = r.int("TICK_SECONDS", { default: 60, min: 1, max: 3600 });
  const preset = POLICY_PRESETS[r.oneOf("SCALING_PRESET", ["tuned", "course"] as const, "tuned")];
  // At 0 there is no member, so no CPU series, so no alert could ever ask for a member again.
  const minSize = r.int("MIN_SIZE", { default: preset.minSize, min: 1, max: 1000 });
  const maxSize = r.int("MAX_SIZE", { default: preset.maxSize, min: 1, max: 1000 });
  if (Number.isInteger(minSize) && Number.isInteger(maxSize) && minSize > maxSize) {
    r.problem(`MIN_SIZE (${minSize}) must not be greater than MAX_SIZE (${maxSize})`);
  }
  const mode = r.oneOf("SCALING_MODE", ["step", "proportional"] as const, preset.mode);
  const scaleUpCpu = r.number("SCALE_UP_CPU", { default: preset.scaleUpCpu, min: 1, max: 100 });
  const targetCpu = r.number("TARGET_CPU", { default: preset.targetCpu, min: 1, max: 100 });
  // Unless set, at most three quarters of the up threshold: a lowered SCALE_UP_CPU needs no second setting.
  const scaleDownTargetCpu = r.number("SCALE_DOWN_TARGET_CPU", {
    default: Math.min(preset.scaleDownTargetCpu, Math.round(0.75 * scaleUpCpu)),
    min: 1,
    max: 100,
  });
  const maxStep = r.int("MAX_STEP", { default: preset.maxStep, min: 1, max: 1000 });
  const warmup = r.int("SCALE_UP_WARMUP_SECONDS", { default: preset.scaleUpWarmupMs / 1000, min: 0, max: 86400 });
  const cooldown = r.int("SCALE_DOWN_COOLDOWN_SECONDS", { default: preset.scaleDownCooldownMs / 1000, min: 0, max: 86400 });
  const flapGuard = r.bool("FLAP_GUARD", preset.flapGuard);
  // Scaling in to a CPU at or over the up threshold would fire the up alert straight away.
  if (mode === "proportional" && scaleDownTargetCpu >= scaleUpCpu) {
    r.problem(
      `SCALE_DOWN_TARGET_CPU (${scaleDownTargetCpu}) must be below SCALE_UP_CPU (${scaleUpCpu}), or a scale-in would fire the up alert`,
    );
  }
  const victimSetting = r.oneOf("SCALE_IN_VICTIM", ["pool", "newest", "oldest"] as const, "pool");
  // `pool` lets Exoscale choose, which is the policy's `any`.
  const victim: VictimChoice = victimSetting === "pool" ? "any" : victimSetting;
  const dryRun = r.bool("DRY_RUN", false);
  const signalTtl = r.int("SIGNAL_TTL_SECONDS", { default: 600, min: 0, max: 7 * 86400 });
  const bodyLimit = r.int("WEBHOOK_BODY_LIMIT_BYTES", { default: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024 });
  const webhookToken = r.optionalString("WEBHOOK_TOKEN");
  const webhookHmacSecret = r.optionalString("WEBHOOK_HMAC_SECRET");
  const webhookHmacTimestampHeader = r.optionalString("WEBHOOK_HMAC_TIMESTAMP_HEADER");
  if (webhookHmacTimestampHeader !== undefined && !/^[A-Za-z0-9-]+$/.test(webhookHmacTimestampHeader)) {
    r.problem(`WEBHOOK_HMAC_TIMESTAMP_HEADER must be a header name, got "${webhookHmacTimestampHeader}"`);
  }
  const hmacSkew = r.int("WEBHOOK_HMAC_MAX_SKEW_SECONDS", { default: 300, min: 1, max: 86400 });
  const hmacRequireTimestamp = r.bool("WEBHOOK_HMAC_REQUIRE_TIMESTAMP", false);
  const cpuValueRef = r.string("CPU_VALUE_REF", "B");
  const stateFile = r.optionalString("STATE_FILE");
  if (stateFile !== undefined && stateFile.endsWith("/")) r.problem(`STATE_FILE must name a file, not a directory, got "${stateFile}"`);
  const logLevel = r.oneOf("LOG_LEVEL", ["debug", "info", "warn", "error"] as const, "info");
  r.finish();

  return {
    exoscale,
    poolId: exoscale.poolIds[0] ?? "",
    listenHost,
    listenPort,
    tickMs: tickSeconds * 1000,
    signalTtlMs: signalTtl * 1000,
    bodyLimitBytes: bodyLimit,
    auth: {
      ...(webhookToken !== undefined ? { token: webhookToken } : {}),
      ...(webhookHmacSecret !== undefined ? { hmacSecret: webhookHmacSecret } : {}),
      ...(webhookHmacTimestampHeader !== undefined ? { hmacTimestampHeader: webhookHmacTimestampHeader } : {}),
      hmacMaxSkewMs: hmacSkew * 1000,
      ...(hmacRequireTimestamp ? { hmacRequireTimestamp } : {}),
    },
    cpuValueRef,
    dryRun,
    ...(stateFile !== undefined ? { stateFile } : {}),
    logLevel,
    policy: {
      minSize,
      maxSize,
      mode,
      targetCpu,
      scaleDownTargetCpu,
      maxStep,
      scaleUpWarmupMs: warmup * 1000,
      scaleDownCooldownMs: cooldown * 1000,
      flapGuard,
      scaleUpCpu,
      victim,
    },
  };
}
