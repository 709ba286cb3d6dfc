/** Ports shared by the components, the services, the cloud-init renderers and the tests: one definition. */
export const PORTS = {
  ssh: 22,
  app: 8080,
  nodeExporter: 9100,
  prometheus: 9090,
  grafana: 3000,
  nlbListener: 80,
  /** The scaler's webhook receiver, /status and /metrics (loopback on the monitoring host). */
  scaler: 8090,
  /** The SD agent's /metrics (loopback). */
  sdAgentMetrics: 9101,
} as const;
