import * as pulumi from "@pulumi/pulumi";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = ["description", "externalSources", "name"] as const;
const PROPERTIES: ResourceProperties = { inputs: INPUTS };

export interface SecurityGroupArgs {
  /** Autonamed when omitted (forces replacement). */
  name?: pulumi.Input<string>;
  /** Free text (forces replacement). */
  description?: pulumi.Input<string>;
  /** External network sources in CIDR notation. */
  externalSources?: pulumi.Input<pulumi.Input<string>[]>;
}

export type SecurityGroupState = SecurityGroupArgs;

/** `exoscale:index/securityGroup:SecurityGroup` — a (global, not zonal) firewall group. */
export class SecurityGroup extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/securityGroup:SecurityGroup";

  public static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: SecurityGroupState,
    opts?: pulumi.CustomResourceOptions,
  ): SecurityGroup {
    return new SecurityGroup(name, state, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is SecurityGroup {
    return hasPulumiType(obj, SecurityGroup.__pulumiType);
  }

  declare public readonly description: pulumi.Output<string | undefined>;
  declare public readonly externalSources: pulumi.Output<string[] | undefined>;
  declare public readonly name: pulumi.Output<string>;

  constructor(name: string, args?: SecurityGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(SecurityGroup.__pulumiType, name, buildResourceInputs(args, opts, PROPERTIES), withPluginDefaults(opts));
  }
}
