import * as pulumi from "@pulumi/pulumi";
import type { InstancePoolInstance, InstancePoolInstanceArgs } from "./types.js";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = [
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
] as const;
const REQUIRED = ["size", "templateId", "zone"] as const;
const PROPERTIES: ResourceProperties = { inputs: INPUTS, required: REQUIRED };

export interface InstancePoolArgs {
  /** Zone of the pool (forces replacement). */
  zone: pulumi.Input<string>;
  /** Number of members (≥ 1). */
  size: pulumi.Input<number>;
  /** Template (image) id, e.g. from `getTemplate`. */
  templateId: pulumi.Input<string>;
  /** Pool name; autonamed when omitted. */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** `<family>.<size>`, e.g. `standard.micro`. */
  instanceType?: pulumi.Input<string>;
  /** Root disk in GiB. */
  diskSize?: pulumi.Input<number>;
  /** cloud-init user data as plain text (the provider base64-encodes it; max 32768 base64 chars). */
  userData?: pulumi.Input<string>;
  securityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** SSH key **name** installed on members. */
  keyPair?: pulumi.Input<string>;
  antiAffinityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  elasticIpIds?: pulumi.Input<pulumi.Input<string>[]>;
  networkIds?: pulumi.Input<pulumi.Input<string>[]>;
  ipv6?: pulumi.Input<boolean>;
  /** Prefix of member names (provider default `pool`). */
  instancePrefix?: pulumi.Input<string>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  minAvailable?: pulumi.Input<number>;
  deployTargetId?: pulumi.Input<string>;
  state?: pulumi.Input<string>;
  /** Provider-managed snapshot of members; do not set. */
  instances?: pulumi.Input<pulumi.Input<InstancePoolInstanceArgs>[]>;
  /** @deprecated Use antiAffinityGroupIds. */
  affinityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** @deprecated Use instanceType. */
  serviceOffering?: pulumi.Input<string>;
  /** @deprecated Use the instances output. */
  virtualMachines?: pulumi.Input<pulumi.Input<string>[]>;
}

export type InstancePoolState = Partial<InstancePoolArgs>;

/** `exoscale:index/instancePool:InstancePool` — a group of identical instances kept at `size`. */
export class InstancePool extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/instancePool:InstancePool";

  public static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: InstancePoolState,
    opts?: pulumi.CustomResourceOptions,
  ): InstancePool {
    return new InstancePool(name, state as InstancePoolArgs, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is InstancePool {
    return hasPulumiType(obj, InstancePool.__pulumiType);
  }

  declare public readonly affinityGroupIds: pulumi.Output<string[] | undefined>;
  declare public readonly antiAffinityGroupIds: pulumi.Output<string[] | undefined>;
  declare public readonly deployTargetId: pulumi.Output<string | undefined>;
  declare public readonly description: pulumi.Output<string | undefined>;
  declare public readonly diskSize: pulumi.Output<number>;
  declare public readonly elasticIpIds: pulumi.Output<string[] | undefined>;
  declare public readonly instancePrefix: pulumi.Output<string | undefined>;
  declare public readonly instanceType: pulumi.Output<string>;
  declare public readonly instances: pulumi.Output<InstancePoolInstance[]>;
  declare public readonly ipv6: pulumi.Output<boolean | undefined>;
  declare public readonly keyPair: pulumi.Output<string | undefined>;
  declare public readonly labels: pulumi.Output<Record<string, string> | undefined>;
  declare public readonly minAvailable: pulumi.Output<number>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly networkIds: pulumi.Output<string[] | undefined>;
  declare public readonly securityGroupIds: pulumi.Output<string[] | undefined>;
  declare public readonly serviceOffering: pulumi.Output<string>;
  declare public readonly size: pulumi.Output<number>;
  declare public readonly state: pulumi.Output<string>;
  declare public readonly templateId: pulumi.Output<string>;
  declare public readonly userData: pulumi.Output<string | undefined>;
  declare public readonly virtualMachines: pulumi.Output<string[]>;
  declare public readonly zone: pulumi.Output<string>;

  constructor(name: string, args: InstancePoolArgs, opts?: pulumi.CustomResourceOptions) {
    super(InstancePool.__pulumiType, name, buildResourceInputs(args, opts, PROPERTIES), withPluginDefaults(opts));
  }
}
