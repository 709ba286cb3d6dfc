import * as pulumi from "@pulumi/pulumi";
import type { ReadTimeouts, ReadTimeoutsArgs } from "./types.js";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = ["name", "roleId", "timeouts"] as const;
const OUTPUTS_ONLY = ["key", "secret"] as const;
const REQUIRED = ["roleId"] as const;
/** The schema marks only `secret` as secret. */
const SECRET_OUTPUTS = ["secret"];
const PROPERTIES: ResourceProperties = { inputs: INPUTS, outputsOnly: OUTPUTS_ONLY, required: REQUIRED };

export interface IamApiKeyArgs {
  /** The IAM role whose policy the key carries. */
  roleId: pulumi.Input<string>;
  /** Autonamed when omitted. */
  name?: pulumi.Input<string>;
  timeouts?: pulumi.Input<ReadTimeoutsArgs>;
}

export interface IamApiKeyState extends Partial<IamApiKeyArgs> {
  key?: pulumi.Input<string>;
  secret?: pulumi.Input<string>;
}

/** `exoscale:index/iamApiKey:IamApiKey` — an API key (key + secret) bound to an IAM role. */
export class IamApiKey extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/iamApiKey:IamApiKey";

  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: IamApiKeyState, opts?: pulumi.CustomResourceOptions): IamApiKey {
    return new IamApiKey(name, state as IamApiKeyArgs, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is IamApiKey {
    return hasPulumiType(obj, IamApiKey.__pulumiType);
  }

  /** The API key id (`EXO…`). */
  declare public readonly key: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly roleId: pulumi.Output<string>;
  /** The API secret; always a secret output. */
  declare public readonly secret: pulumi.Output<string>;
  declare public readonly timeouts: pulumi.Output<ReadTimeouts | undefined>;

  constructor(name: string, args: IamApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const secretOpts: pulumi.CustomResourceOptions = { additionalSecretOutputs: SECRET_OUTPUTS };
    super(
      IamApiKey.__pulumiType,
      name,
      buildResourceInputs(args, opts, PROPERTIES),
      withPluginDefaults(pulumi.mergeOptions(opts ?? {}, secretOpts)),
    );
  }
}
