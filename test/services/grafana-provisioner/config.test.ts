import test from "ava";
import { readProvisionerConfig } from "../../../services/grafana-provisioner/config.js";
import { ConfigError } from "../../../lib/shared/env.js";

test("defaults: local Grafana, Prometheus and scaler, 80/20, 120 s wait, reduce refId B, 60 s pending and evaluation", (t) => {
  const config = readProvisionerConfig({ GRAFANA_PASSWORD: "pw" });
  t.like(config, {
    grafanaUrl: "http://127.0.0.1:3000",
    grafanaUser: "admin",
    grafanaPassword: "pw",
    prometheusUrl: "http://127.0.0.1:9090",
    scalerUrl: "http://127.0.0.1:8090",
    waitMs: 120_000,
    cpuValueRef: "B",
    spec: { evaluationSeconds: 60 },
  });
  t.is(config.webhookToken, undefined);
  t.deepEqual(
    config.spec.rules.map((r) => [r.direction, r.thresholdPercent, r.pendingSeconds]),
    [
      ["up", 80, 60],
      ["down", 20, 60],
    ],
  );
});

test("every setting is read", (t) => {
  const config = readProvisionerConfig({
    GRAFANA_URL: "http://10.0.0.5:3000/grafana/",
    GRAFANA_USER: "ops",
    GRAFANA_PASSWORD: "pw",
    PROMETHEUS_URL: "http://127.0.0.1:9091",
    SCALER_URL: "http://127.0.0.1:8091",
    WEBHOOK_TOKEN: "tok",
    SCALE_UP_CPU: "75.5",
    SCALE_DOWN_CPU: "25",
    GRAFANA_WAIT_SECONDS: "5",
    CPU_VALUE_REF: "CPU",
    RULE_PENDING_SECONDS: "30",
    RULE_EVALUATION_SECONDS: "20",
  });
  t.like(config, {
    grafanaUrl: "http://10.0.0.5:3000/grafana",
    grafanaUser: "ops",
    prometheusUrl: "http://127.0.0.1:9091",
    scalerUrl: "http://127.0.0.1:8091",
    webhookToken: "tok",
    waitMs: 5000,
    cpuValueRef: "CPU",
    spec: { evaluationSeconds: 20 },
  });
  t.deepEqual(
    config.spec.rules.map((r) => [r.thresholdPercent, r.pendingSeconds]),
    [
      [75.5, 30],
      [25, 30],
    ],
  );
});

test("every problem is listed at once", (t) => {
  const error = t.throws(
    () =>
      readProvisionerConfig({
        GRAFANA_URL: "ftp://grafana",
        SCALER_URL: "not a url",
        SCALE_UP_CPU: "30",
        SCALE_DOWN_CPU: "40",
        GRAFANA_WAIT_SECONDS: "soon",
        CPU_VALUE_REF: "A",
        RULE_EVALUATION_SECONDS: "15",
        WEBHOOK_TOKEN: "two words",
      }),
    { instanceOf: ConfigError },
  );
  const text = error.problems.join("\n");
  for (const pattern of [
    /GRAFANA_PASSWORD is required/,
    /GRAFANA_URL must be an http\(s\) URL/,
    /SCALER_URL must be an http\(s\) URL/,
    /SCALE_DOWN_CPU \(40\) must be below SCALE_UP_CPU \(30\)/,
    /GRAFANA_WAIT_SECONDS must be a whole number/,
    /CPU_VALUE_REF must not be A or C/,
    /RULE_EVALUATION_SECONDS must be a multiple of 10/,
    /WEBHOOK_TOKEN must not contain spaces/,
  ])
    t.regex(text, pattern);
  t.is(error.problems.length, 8);
});

test("evaluation faster than 10 s or slower than a minute is refused", (t) => {
  t.throws(() => readProvisionerConfig({ GRAFANA_PASSWORD: "pw", RULE_EVALUATION_SECONDS: "5" }), {
    message: /RULE_EVALUATION_SECONDS must be at least 10/,
  });
  t.throws(() => readProvisionerConfig({ GRAFANA_PASSWORD: "pw", RULE_EVALUATION_SECONDS: "120" }), { message: /at most 60/ });
});
