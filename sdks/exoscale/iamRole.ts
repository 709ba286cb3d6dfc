import * as pulumi from "@pulumi/pulumi";
import type { IamRolePolicy, IamRolePolicyArgs, ReadTimeouts, ReadTimeoutsArgs } from "./types.js";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = ["description", "editable", "labels", "name", "permissions", "policy", "timeouts"] as const;
const PROPERTIES: ResourceProperties = { inputs: INPUTS };

export interface IamRoleArgs {
  /** Autonamed when omitted. */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Whether the role's policy may be edited later. */
  editable?: pulumi.Input<boolean>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  permissions?: pulumi.Input<pulumi.Input<string>[]>;
  /** Rule-based authorization policy. */
  policy?: pulumi.Input<IamRolePolicyArgs>;
  timeouts?: pulumi.Input<ReadTimeoutsArgs>;
}

export type IamRoleState = IamRoleArgs;

/** `exoscale:index/iamRole:IamRole` — an IAM role whose policy API keys inherit. */
export class IamRole extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/iamRole:IamRole";

  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: IamRoleState, opts?: pulumi.CustomResourceOptions): IamRole {
    return new IamRole(name, state, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is IamRole {
    return hasPulumiType(obj, IamRole.__pulumiType);
  }

  declare public readonly description: pulumi.Output<string>;
  declare public readonly editable: pulumi.Output<boolean>;
  declare public readonly labels: pulumi.Output<Record<string, string>>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly permissions: pulumi.Output<string[]>;
  declare public readonly policy: pulumi.Output<IamRolePolicy>;
  declare public readonly timeouts: pulumi.Output<ReadTimeouts | undefined>;

  constructor(name: string, args?: IamRoleArgs, opts?: pulumi.CustomResourceOptions) {
    super(IamRole.__pulumiType, name, buildResourceInputs(args, opts, PROPERTIES), withPluginDefaults(opts));
  }
}
