import * as pulumi from "@pulumi/pulumi";
import { copyProperties, hasPulumiType, markOutputs, requireInputs, withPluginDefaults } from "./utilities.js";

const INPUTS = ["name", "publicKey"] as const;
const OUTPUTS_ONLY = ["fingerprint"] as const;
const REQUIRED = ["publicKey"] as const;

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
    const resourceInputs: pulumi.Inputs = {};
    opts = opts ?? {};
    if (opts.id) {
      copyProperties(resourceInputs, args, [...INPUTS, ...OUTPUTS_ONLY]);
    } else {
      requireInputs(args, REQUIRED, opts);
      copyProperties(resourceInputs, args, INPUTS);
      markOutputs(resourceInputs, OUTPUTS_ONLY);
    }
    super(SshKey.__pulumiType, name, resourceInputs, withPluginDefaults(opts));
  }
}
