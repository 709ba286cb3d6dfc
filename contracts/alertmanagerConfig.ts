/**
 * Alertmanager's configuration for the local sandbox, where Alertmanager stands in for Grafana's
 * notification policy: our two alerts are grouped by name and direction and delivered to the scaler's
 * webhook, resolved notifications included (the scaler withdraws a signal when its alert resolves).
 */
import { SCALE_LABEL } from "./alertRules.js";

export interface AlertmanagerConfigOptions {
  /** e.g. http://127.0.0.1:8090/webhook */
  webhookUrl: string;
  /** A file holding the scaler's WEBHOOK_TOKEN, sent as a Bearer credential (kept out of this file). */
  tokenFile?: string;
  groupWaitSeconds?: number;
  groupIntervalSeconds?: number;
  repeatIntervalSeconds?: number;
}

const RECEIVER = "exoscale-autoscaler-scaler";

function seconds(value: number, what: string): string {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a whole number of seconds ≥ 1, got ${value}`);
  return `${value}s`;
}

/** YAML (JSON is YAML): deterministic, and no quoting rules of our own to get wrong. */
export function renderAlertmanagerConfig(options: AlertmanagerConfigOptions): string {
  const url = new URL(options.webhookUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new RangeError(`webhookUrl must be http(s), got ${options.webhookUrl}`);
  const config = {
    route: {
      receiver: RECEIVER,
      group_by: ["alertname", SCALE_LABEL],
      group_wait: seconds(options.groupWaitSeconds ?? 10, "groupWaitSeconds"),
      // A firing alert is repeated every interval, so the scaler keeps hearing it while the condition holds.
      group_interval: seconds(options.groupIntervalSeconds ?? 60, "groupIntervalSeconds"),
      repeat_interval: seconds(options.repeatIntervalSeconds ?? 60, "repeatIntervalSeconds"),
    },
    receivers: [
      {
        name: RECEIVER,
        webhook_configs: [
          {
            url: url.toString(),
            send_resolved: true,
            ...(options.tokenFile !== undefined
              ? { http_config: { authorization: { type: "Bearer", credentials_file: options.tokenFile } } }
              : {}),
          },
        ],
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
