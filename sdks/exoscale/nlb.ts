import * as pulumi from "@pulumi/pulumi";
import { copyProperties, hasPulumiType, markOutputs, requireInputs, withPluginDefaults } from "./utilities.js";

const INPUTS = ["description", "labels", "name", "zone"] as const;
const OUTPUTS_ONLY = ["createdAt", "ipAddress", "services", "state"] as const;
const REQUIRED = ["zone"] as const;

export interface NlbArgs {
  /** Zone of the load balancer (forces replacement). */
  zone: pulumi.Input<string>;
  /** Autonamed when omitted. */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface NlbState extends Partial<NlbArgs> {
  createdAt?: pulumi.Input<string>;
  ipAddress?: pulumi.Input<string>;
  services?: pulumi.Input<pulumi.Input<string>[]>;
  state?: pulumi.Input<string>;
}

/** `exoscale:index/nlb:Nlb` — a zonal L4 network load balancer with one public IPv4. */
export class Nlb extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/nlb:Nlb";

  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: NlbState, opts?: pulumi.CustomResourceOptions): Nlb {
    return new Nlb(name, state as NlbArgs, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is Nlb {
    return hasPulumiType(obj, Nlb.__pulumiType);
  }

  declare public readonly createdAt: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string | undefined>;
  /** The NLB's public IPv4 address. */
  declare public readonly ipAddress: pulumi.Output<string>;
  declare public readonly labels: pulumi.Output<Record<string, string> | undefined>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly services: pulumi.Output<string[]>;
  declare public readonly state: pulumi.Output<string>;
  declare public readonly zone: pulumi.Output<string>;

  constructor(name: string, args: NlbArgs, opts?: pulumi.CustomResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    opts = opts ?? {};
    if (opts.id) {
      copyProperties(resourceInputs, args, [...INPUTS, ...OUTPUTS_ONLY]);
    } else {
      requireInputs(args, REQUIRED, opts);
      copyProperties(resourceInputs, args, INPUTS);
      markOutputs(resourceInputs, OUTPUTS_ONLY);
    }
    super(Nlb.__pulumiType, name, resourceInputs, withPluginDefaults(opts));
  }
}
