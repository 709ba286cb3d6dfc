// Facts copied from the pulumiverse/pulumi-exoscale v0.66.1 provider schema
// (provider/cmd/pulumi-resource-exoscale/schema.json): type tokens, input names, required inputs,
// output-only and secret properties of the resources we use. Tests check our binding and every
// registration against this table, so a wrong token or input name fails a test.

export interface ResourceSchemaFacts {
  inputs: readonly string[];
  requiredInputs: readonly string[];
  /** Properties that are outputs but not inputs. */
  outputOnly: readonly string[];
  secretOutputs: readonly string[];
}

export const EXOSCALE_RESOURCES: Record<string, ResourceSchemaFacts> = {
  "exoscale:index/instancePool:InstancePool": {
    inputs: ["affinityGroupIds", "antiAffinityGroupIds", "deployTargetId", "description", "diskSize", "elasticIpIds", "instancePrefix", "instanceType", "instances", "ipv6", "keyPair", "labels", "minAvailable", "name", "networkIds", "securityGroupIds", "serviceOffering", "size", "state", "templateId", "userData", "virtualMachines", "zone"],
    requiredInputs: ["size", "templateId", "zone"],
    outputOnly: [],
    secretOutputs: [],
  },
  "exoscale:index/nlb:Nlb": {
    inputs: ["description", "labels", "name", "zone"],
    requiredInputs: ["zone"],
    outputOnly: ["createdAt", "ipAddress", "services", "state"],
    secretOutputs: [],
  },
  "exoscale:index/nlbService:NlbService": {
    inputs: ["description", "healthchecks", "instancePoolId", "name", "nlbId", "port", "protocol", "strategy", "targetPort", "zone"],
    requiredInputs: ["healthchecks", "instancePoolId", "nlbId", "port", "targetPort", "zone"],
    outputOnly: ["state"],
    secretOutputs: [],
  },
  "exoscale:index/securityGroup:SecurityGroup": {
    inputs: ["description", "externalSources", "name"],
    requiredInputs: [],
    outputOnly: [],
    secretOutputs: [],
  },
  "exoscale:index/securityGroupRule:SecurityGroupRule": {
    inputs: ["cidr", "description", "endPort", "icmpCode", "icmpType", "protocol", "publicSecurityGroup", "securityGroup", "securityGroupId", "startPort", "type", "userSecurityGroup", "userSecurityGroupId"],
    requiredInputs: ["type"],
    outputOnly: [],
    secretOutputs: [],
  },
  "exoscale:index/computeInstance:ComputeInstance": {
    inputs: ["antiAffinityGroupIds", "blockStorageVolumeIds", "deployTargetId", "destroyProtected", "diskSize", "elasticIpIds", "enableSecureBoot", "enableTpm", "ipv6", "labels", "name", "networkInterfaces", "private", "reverseDns", "securityGroupIds", "sshKey", "sshKeys", "state", "templateId", "type", "userData", "zone"],
    requiredInputs: ["diskSize", "templateId", "type", "zone"],
    outputOnly: ["createdAt", "ipv6Address", "macAddress", "privateNetworkIds", "publicIpAddress"],
    secretOutputs: [],
  },
  "exoscale:index/sshKey:SshKey": {
    inputs: ["name", "publicKey"],
    requiredInputs: ["publicKey"],
    outputOnly: ["fingerprint"],
    secretOutputs: [],
  },
  "exoscale:index/iamRole:IamRole": {
    inputs: ["description", "editable", "labels", "name", "permissions", "policy", "timeouts"],
    requiredInputs: [],
    outputOnly: [],
    secretOutputs: [],
  },
  "exoscale:index/iamApiKey:IamApiKey": {
    inputs: ["name", "roleId", "timeouts"],
    requiredInputs: ["roleId"],
    outputOnly: ["key", "secret"],
    secretOutputs: ["secret"],
  },
};

export const EXOSCALE_PROVIDER = {
  token: "pulumi:providers:exoscale",
  inputs: ["delay", "environment", "key", "secret", "sosEndpoint", "timeout"],
  secretInputs: ["key", "secret"],
} as const;

export const GET_TEMPLATE = {
  token: "exoscale:index/getTemplate:getTemplate",
  inputs: ["id", "name", "visibility", "zone"],
  requiredInputs: ["zone"],
  outputs: ["defaultUser", "id", "name", "visibility", "zone"],
} as const;

export const NLBSERVICEHEALTHCHECK_FIELDS = ["interval", "mode", "port", "retries", "timeout", "tlsSni", "uri"] as const;
export const IAMROLEPOLICY_FIELDS = ["defaultServiceStrategy", "services"] as const;
export const IAMROLEPOLICYSERVICES_FIELDS = ["rules", "type"] as const;
export const IAMROLEPOLICYSERVICESRULE_FIELDS = ["action", "expression", "resources"] as const;

export const PLUGIN = { version: "0.66.1", downloadURL: "github://api.github.com/pulumiverse/pulumi-exoscale" } as const;
