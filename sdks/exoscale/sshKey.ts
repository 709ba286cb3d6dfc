import * as pulumi from "@pulumi/pulumi";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = ["name", "publicKey"] as const;
const OUTPUTS_ONLY = ["fingerprint"] as const;
const REQUIRED = ["publicKey"] as const;
const PROPERTIES: ResourceProperties = { inputs: INPUTS, outputsOnly: OUTPUTS_ONLY, required: REQUIRED };

export interface SshKeyArgs {
  /** OpenSSH public key (forces replacement). */
  publicKey: pulumi.Input<string>;
  /** Autonamed when omitted; instances refer to the key by this name. */
  name?: pulumi.Input<string>;
}

export interface SshKeyState extends Partial<SshKeyArgs> {
  fingerprint?: pulumi.Input<string>;
}

/** `exoscale:index/sshKey:SshKey` — a registered SSH public key. */
export class SshKey extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/sshKey:SshKey";

  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: SshKeyState, opts?: pulumi.CustomResourceOptions): SshKey {
    return new SshKey(name, state as SshKeyArgs, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is SshKey {
    return hasPulumiType(obj, SshKey.__pulumiType);
  }

  declare public readonly fingerprint: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly publicKey: pulumi.Output<string>;

  constructor(name: string, args: SshKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(SshKey.__pulumiType, name, buildResourceInputs(args, opts, PROPERTIES), withPluginDefaults(opts));
  }
}
