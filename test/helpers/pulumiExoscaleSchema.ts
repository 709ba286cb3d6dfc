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
    inputs: [
      "affinityGroupIds",
      "antiAffinityGroupIds",
      "deployTargetId",
      "description",
      "diskSize",
      "elasticIpIds",
      "instancePrefix",
      "instanceType",
      "instances",
      "ipv6",
      "keyPair",
      "labels",
      "minAvailable",
      "name",
      "networkIds",
      "securityGroupIds",
      "serviceOffering",
      "size",
      "state",
      "templateId",
      "userData",
      "virtualMachines",
      "zone",
    ],
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
    inputs: [
      "cidr",
      "description",
      "endPort",
      "icmpCode",
      "icmpType",
      "protocol",
      "publicSecurityGroup",
      "securityGroup",
      "securityGroupId",
      "startPort",
      "type",
      "userSecurityGroup",
      "userSecurityGroupId",
    ],
    requiredInputs: ["type"],
    outputOnly: [],
    secretOutputs: [],
  },
  "exoscale:index/computeInstance:ComputeInstance": {
    inputs: [
      "antiAffinityGroupIds",
      "blockStorageVolumeIds",
      "deployTargetId",
      "destroyProtected",
      "diskSize",
      "elasticIpIds",
      "enableSecureBoot",
      "enableTpm",
      "ipv6",
      "labels",
      "name",
      "networkInterfaces",
      "private",
      "reverseDns",
      "securityGroupIds",
      "sshKey",
      "sshKeys",
      "state",
      "templateId",
      "type",
      "userData",
      "zone",
    ],
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

// Object types nested in inputs (schema `types`): their property names and required ones.
export const NLBSERVICEHEALTHCHECK_FIELDS = ["interval", "mode", "port", "retries", "timeout", "tlsSni", "uri"] as const;
export const NLBSERVICEHEALTHCHECK_REQUIRED = ["port"] as const;
export const IAMROLEPOLICY_FIELDS = ["defaultServiceStrategy", "services"] as const;
export const IAMROLEPOLICYSERVICES_FIELDS = ["rules", "type"] as const;
export const IAMROLEPOLICYSERVICESRULE_FIELDS = ["action", "expression", "resources"] as const;

/**
 * Field names inside the nested inputs we set (NlbService `healthchecks[]`, IamRole `policy` with
 * its services and rules) that the schema does not know, or required fields left out. Empty = fine.
 * Top-level input names are checked against {@link EXOSCALE_RESOURCES} separately.
 */
export function nestedInputProblems(type: string, inputs: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const fieldsOf = (path: string, value: unknown, fields: readonly string[], required: readonly string[] = []): Record<string, unknown> => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`${path} is not an object`);
      return {};
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!fields.includes(key)) {
        problems.push(`${path}.${key} is not a schema field (expected one of ${fields.join(", ")})`);
      }
    }
    for (const key of required) {
      if (record[key] === undefined) {
        problems.push(`${path}.${key} is required`);
      }
    }
    return record;
  };
  const listAt = (path: string, value: unknown): unknown[] => {
    if (!Array.isArray(value)) {
      problems.push(`${path} is not a list`);
      return [];
    }
    return value;
  };

  if (type === "exoscale:index/nlbService:NlbService") {
    listAt("healthchecks", inputs.healthchecks).forEach((hc, i) =>
      fieldsOf(`healthchecks[${i}]`, hc, NLBSERVICEHEALTHCHECK_FIELDS, NLBSERVICEHEALTHCHECK_REQUIRED),
    );
  }
  if (type === "exoscale:index/iamRole:IamRole" && inputs.policy !== undefined) {
    const policy = fieldsOf("policy", inputs.policy, IAMROLEPOLICY_FIELDS);
    if (policy.services !== undefined) {
      // `services` is a map: service name → IamRolePolicyServices.
      const services = policy.services;
      const names = typeof services === "object" && services !== null ? Object.keys(services) : [];
      for (const [name, service] of Object.entries(fieldsOf("policy.services", services, names))) {
        const fields = fieldsOf(`policy.services.${name}`, service, IAMROLEPOLICYSERVICES_FIELDS);
        if (fields.rules !== undefined) {
          listAt(`policy.services.${name}.rules`, fields.rules).forEach((rule, i) =>
            fieldsOf(`policy.services.${name}.rules[${i}]`, rule, IAMROLEPOLICYSERVICESRULE_FIELDS),
          );
        }
      }
    }
  }
  return problems;
}

export const PLUGIN = { version: "0.66.1", downloadURL: "github://api.github.com/pulumiverse/pulumi-exoscale" } as const;
