import * as pulumi from "@pulumi/pulumi";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = [
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
] as const;
const REQUIRED = ["type"] as const;
const PROPERTIES: ResourceProperties = { inputs: INPUTS, required: REQUIRED };

/** Every input forces replacement of the rule. */
export interface SecurityGroupRuleArgs {
  /** `INGRESS` or `EGRESS`. */
  type: pulumi.Input<string>;
  /** The group the rule belongs to (practically required). */
  securityGroupId?: pulumi.Input<string>;
  /** `TCP` (default), `UDP`, `ICMP`, `ICMPv6`, `AH`, `ESP`, `GRE`, `IPIP`, `ALL`. */
  protocol?: pulumi.Input<string>;
  /** Source/destination network (conflicts with the group sources). */
  cidr?: pulumi.Input<string>;
  startPort?: pulumi.Input<number>;
  endPort?: pulumi.Input<number>;
  /** Source/destination security group id (group-to-group rule). */
  userSecurityGroupId?: pulumi.Input<string>;
  /** Name of a public security group (e.g. `public-nlb-healthcheck-sources`). */
  publicSecurityGroup?: pulumi.Input<string>;
  icmpType?: pulumi.Input<number>;
  icmpCode?: pulumi.Input<number>;
  description?: pulumi.Input<string>;
  /** @deprecated Use securityGroupId. */
  securityGroup?: pulumi.Input<string>;
  /** @deprecated Use userSecurityGroupId. */
  userSecurityGroup?: pulumi.Input<string>;
}

export type SecurityGroupRuleState = Partial<SecurityGroupRuleArgs>;

/** `exoscale:index/securityGroupRule:SecurityGroupRule` — one rule of a security group. */
export class SecurityGroupRule extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/securityGroupRule:SecurityGroupRule";

  public static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: SecurityGroupRuleState,
    opts?: pulumi.CustomResourceOptions,
  ): SecurityGroupRule {
    return new SecurityGroupRule(name, state as SecurityGroupRuleArgs, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is SecurityGroupRule {
    return hasPulumiType(obj, SecurityGroupRule.__pulumiType);
  }

  declare public readonly cidr: pulumi.Output<string | undefined>;
  declare public readonly description: pulumi.Output<string | undefined>;
  declare public readonly endPort: pulumi.Output<number | undefined>;
  declare public readonly icmpCode: pulumi.Output<number | undefined>;
  declare public readonly icmpType: pulumi.Output<number | undefined>;
  declare public readonly protocol: pulumi.Output<string | undefined>;
  declare public readonly publicSecurityGroup: pulumi.Output<string>;
  declare public readonly securityGroup: pulumi.Output<string>;
  declare public readonly securityGroupId: pulumi.Output<string>;
  declare public readonly startPort: pulumi.Output<number | undefined>;
  declare public readonly type: pulumi.Output<string>;
  declare public readonly userSecurityGroup: pulumi.Output<string>;
  declare public readonly userSecurityGroupId: pulumi.Output<string | undefined>;

  constructor(name: string, args: SecurityGroupRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(SecurityGroupRule.__pulumiType, name, buildResourceInputs(args, opts, PROPERTIES), withPluginDefaults(opts));
  }
}
