import * as pulumi from "@pulumi/pulumi";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = ["description", "labels", "name", "zone"] as const;
const OUTPUTS_ONLY = ["createdAt", "ipAddress", "services", "state"] as const;
const REQUIRED = ["zone"] as const;
const PROPERTIES: ResourceProperties = { inputs: INPUTS, outputsOnly: OUTPUTS_ONLY, required: REQUIRED };

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
    super(Nlb.__pulumiType, name, buildResourceInputs(args, opts, PROPERTIES), withPluginDefaults(opts));
  }
}
