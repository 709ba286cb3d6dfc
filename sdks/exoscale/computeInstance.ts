import * as pulumi from "@pulumi/pulumi";
import type { ComputeInstanceNetworkInterface, ComputeInstanceNetworkInterfaceArgs } from "./types.js";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = [
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
] as const;
const OUTPUTS_ONLY = ["createdAt", "ipv6Address", "macAddress", "privateNetworkIds", "publicIpAddress"] as const;
const REQUIRED = ["diskSize", "templateId", "type", "zone"] as const;
const PROPERTIES: ResourceProperties = { inputs: INPUTS, outputsOnly: OUTPUTS_ONLY, required: REQUIRED };

export interface ComputeInstanceArgs {
  /** Zone (forces replacement). */
  zone: pulumi.Input<string>;
  /** Template (image) id (forces replacement). */
  templateId: pulumi.Input<string>;
  /** `<family>.<size>`, e.g. `standard.small`. */
  type: pulumi.Input<string>;
  /** Root disk in GiB (≥ 10; can only grow). */
  diskSize: pulumi.Input<number>;
  /** Autonamed when omitted. */
  name?: pulumi.Input<string>;
  userData?: pulumi.Input<string>;
  securityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** SSH key **names** (creation only). */
  sshKeys?: pulumi.Input<pulumi.Input<string>[]>;
  elasticIpIds?: pulumi.Input<pulumi.Input<string>[]>;
  antiAffinityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  networkInterfaces?: pulumi.Input<pulumi.Input<ComputeInstanceNetworkInterfaceArgs>[]>;
  blockStorageVolumeIds?: pulumi.Input<pulumi.Input<string>[]>;
  ipv6?: pulumi.Input<boolean>;
  private?: pulumi.Input<boolean>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** `running` or `stopped`. */
  state?: pulumi.Input<string>;
  reverseDns?: pulumi.Input<string>;
  destroyProtected?: pulumi.Input<boolean>;
  enableSecureBoot?: pulumi.Input<boolean>;
  enableTpm?: pulumi.Input<boolean>;
  deployTargetId?: pulumi.Input<string>;
  /** @deprecated Use sshKeys. */
  sshKey?: pulumi.Input<string>;
}

export interface ComputeInstanceState extends Partial<ComputeInstanceArgs> {
  createdAt?: pulumi.Input<string>;
  ipv6Address?: pulumi.Input<string>;
  macAddress?: pulumi.Input<string>;
  privateNetworkIds?: pulumi.Input<pulumi.Input<string>[]>;
  publicIpAddress?: pulumi.Input<string>;
}

/** `exoscale:index/computeInstance:ComputeInstance` — a single virtual machine. */
export class ComputeInstance extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/computeInstance:ComputeInstance";

  public static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: ComputeInstanceState,
    opts?: pulumi.CustomResourceOptions,
  ): ComputeInstance {
    return new ComputeInstance(name, state as ComputeInstanceArgs, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is ComputeInstance {
    return hasPulumiType(obj, ComputeInstance.__pulumiType);
  }

  declare public readonly antiAffinityGroupIds: pulumi.Output<string[] | undefined>;
  declare public readonly blockStorageVolumeIds: pulumi.Output<string[] | undefined>;
  declare public readonly createdAt: pulumi.Output<string>;
  declare public readonly deployTargetId: pulumi.Output<string | undefined>;
  declare public readonly destroyProtected: pulumi.Output<boolean | undefined>;
  declare public readonly diskSize: pulumi.Output<number>;
  declare public readonly elasticIpIds: pulumi.Output<string[] | undefined>;
  declare public readonly enableSecureBoot: pulumi.Output<boolean | undefined>;
  declare public readonly enableTpm: pulumi.Output<boolean | undefined>;
  declare public readonly ipv6: pulumi.Output<boolean | undefined>;
  declare public readonly ipv6Address: pulumi.Output<string>;
  declare public readonly labels: pulumi.Output<Record<string, string> | undefined>;
  declare public readonly macAddress: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly networkInterfaces: pulumi.Output<ComputeInstanceNetworkInterface[] | undefined>;
  declare public readonly private: pulumi.Output<boolean | undefined>;
  declare public readonly privateNetworkIds: pulumi.Output<string[]>;
  /** The instance's public IPv4 address. */
  declare public readonly publicIpAddress: pulumi.Output<string>;
  declare public readonly reverseDns: pulumi.Output<string | undefined>;
  declare public readonly securityGroupIds: pulumi.Output<string[] | undefined>;
  declare public readonly sshKey: pulumi.Output<string | undefined>;
  declare public readonly sshKeys: pulumi.Output<string[] | undefined>;
  declare public readonly state: pulumi.Output<string>;
  declare public readonly templateId: pulumi.Output<string>;
  declare public readonly type: pulumi.Output<string>;
  declare public readonly userData: pulumi.Output<string | undefined>;
  declare public readonly zone: pulumi.Output<string>;

  constructor(name: string, args: ComputeInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    super(ComputeInstance.__pulumiType, name, buildResourceInputs(args, opts, PROPERTIES), withPluginDefaults(opts));
  }
}
