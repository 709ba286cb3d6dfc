import * as pulumi from "@pulumi/pulumi";
import type { NlbServiceHealthcheck, NlbServiceHealthcheckArgs } from "./types.js";
import { type ResourceProperties, buildResourceInputs, hasPulumiType, withPluginDefaults } from "./utilities.js";

const INPUTS = [
  "description",
  "healthchecks",
  "instancePoolId",
  "name",
  "nlbId",
  "port",
  "protocol",
  "strategy",
  "targetPort",
  "zone",
] as const;
const OUTPUTS_ONLY = ["state"] as const;
const REQUIRED = ["healthchecks", "instancePoolId", "nlbId", "port", "targetPort", "zone"] as const;
const PROPERTIES: ResourceProperties = { inputs: INPUTS, outputsOnly: OUTPUTS_ONLY, required: REQUIRED };

export interface NlbServiceArgs {
  zone: pulumi.Input<string>;
  nlbId: pulumi.Input<string>;
  instancePoolId: pulumi.Input<string>;
  /** Port exposed on the NLB. */
  port: pulumi.Input<number>;
  /** Port on the pool members. */
  targetPort: pulumi.Input<number>;
  /** Health checks (an array, though the API holds one). */
  healthchecks: pulumi.Input<pulumi.Input<NlbServiceHealthcheckArgs>[]>;
  /** Autonamed when omitted. */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** `tcp` (default) or `udp`. */
  protocol?: pulumi.Input<string>;
  /** `round-robin` (default) or `source-hash`. */
  strategy?: pulumi.Input<string>;
}

export interface NlbServiceState extends Partial<NlbServiceArgs> {
  state?: pulumi.Input<string>;
}

/** `exoscale:index/nlbService:NlbService` — one listener of an NLB, forwarding to an instance pool. */
export class NlbService extends pulumi.CustomResource {
  public static readonly __pulumiType = "exoscale:index/nlbService:NlbService";

  public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: NlbServiceState, opts?: pulumi.CustomResourceOptions): NlbService {
    return new NlbService(name, state as NlbServiceArgs, { ...opts, id });
  }

  public static isInstance(obj: unknown): obj is NlbService {
    return hasPulumiType(obj, NlbService.__pulumiType);
  }

  declare public readonly description: pulumi.Output<string | undefined>;
  declare public readonly healthchecks: pulumi.Output<NlbServiceHealthcheck[]>;
  declare public readonly instancePoolId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly nlbId: pulumi.Output<string>;
  declare public readonly port: pulumi.Output<number>;
  declare public readonly protocol: pulumi.Output<string | undefined>;
  declare public readonly state: pulumi.Output<string>;
  declare public readonly strategy: pulumi.Output<string | undefined>;
  declare public readonly targetPort: pulumi.Output<number>;
  declare public readonly zone: pulumi.Output<string>;

  constructor(name: string, args: NlbServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(NlbService.__pulumiType, name, buildResourceInputs(args, opts, PROPERTIES), withPluginDefaults(opts));
  }
}
