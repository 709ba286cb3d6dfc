// The Pulumi program: read and validate the stack config (before any resource exists), build
// the topology, export its outputs. Everything else lives in components/.
import { loadConfig } from "./components/config.js";
import { AutoscalerStack } from "./components/stack.js";

const { settings, credentials } = loadConfig();
const stack = new AutoscalerStack("autoscaler", { settings, credentials });

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
