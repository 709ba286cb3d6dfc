/**
 * Our typed binding of the pulumiverse Exoscale provider v0.66.1 (`@pulumiverse/exoscale` is not
 * reachable from our registry). Same type tokens and property names as the generated SDK, so
 * swapping it for the real package is an import change.
 */
export { ComputeInstance, type ComputeInstanceArgs, type ComputeInstanceState } from "./computeInstance.js";
export {
  getTemplate,
  getTemplateOutput,
  GET_TEMPLATE_TOKEN,
  type GetTemplateArgs,
  type GetTemplateOutputArgs,
  type GetTemplateResult,
} from "./getTemplate.js";
export { IamApiKey, type IamApiKeyArgs, type IamApiKeyState } from "./iamApiKey.js";
export { IamRole, type IamRoleArgs, type IamRoleState } from "./iamRole.js";
export { InstancePool, type InstancePoolArgs, type InstancePoolState } from "./instancePool.js";
export { Nlb, type NlbArgs, type NlbState } from "./nlb.js";
export { NlbService, type NlbServiceArgs, type NlbServiceState } from "./nlbService.js";
export { Provider, type ProviderArgs } from "./provider.js";
export { SecurityGroup, type SecurityGroupArgs, type SecurityGroupState } from "./securityGroup.js";
export { SecurityGroupRule, type SecurityGroupRuleArgs, type SecurityGroupRuleState } from "./securityGroupRule.js";
export { SshKey, type SshKeyArgs, type SshKeyState } from "./sshKey.js";
export * as types from "./types.js";
export { PLUGIN_DOWNLOAD_URL, PLUGIN_VERSION, resourceOptsDefaults } from "./utilities.js";
