// The Pulumi program: read and validate the stack config (before any resource exists), build
// the bundles, build the topology, export its outputs. Everything else lives in components/.
import { buildBundles } from "./components/bundles.js";
import { loadConfig } from "./components/config.js";
import { AutoscalerStack } from "./components/stack.js";

const config = loadConfig();
const { settings, credentials } = config;
// Built before anything is declared, exactly as `npm run build` does: a deploy never ships stale bundles.
const bundles = buildBundles();
const stack = new AutoscalerStack("autoscaler", {
  settings,
  credentials,
  bundles,
  ...(config.sshPrivateKey ? { sshPrivateKey: config.sshPrivateKey } : {}),
});

export const appUrl = stack.outputs.appUrl;
export const nlbIp = stack.outputs.nlbIp;
export const prometheusUrl = stack.outputs.prometheusUrl;
export const grafanaUrl = stack.outputs.grafanaUrl;
export const instancePoolId = stack.outputs.instancePoolId;
export const zone = stack.outputs.zone;
export const monitoringHostIp = stack.outputs.monitoringHostIp;
export const monitoringSshUser = stack.outputs.monitoringSshUser;
export const sshPrivateKey = stack.outputs.sshPrivateKey;
export const serviceApiKey = stack.outputs.serviceApiKey;
export const serviceApiSecret = stack.outputs.serviceApiSecret;
export const scaling = stack.outputs.scaling;
export const grafanaAdminPassword = stack.outputs.grafanaAdminPassword;
