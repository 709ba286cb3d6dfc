import * as pulumi from "@pulumi/pulumi";
import * as exoscale from "../../sdks/exoscale/index.js";
import { renderPoolCloudInit } from "../../contracts/poolCloudInit.js";

export interface AppPoolArgs {
  zone: pulumi.Input<string>;
  /** Ubuntu 24.04 template id in that zone. */
  templateId: pulumi.Input<string>;
  /** `<family>.<size>`, e.g. `standard.micro`. */
  instanceType: pulumi.Input<string>;
  /** Root disk of each member, GiB. */
  diskSize: pulumi.Input<number>;
  /** Members at creation; afterwards the scaler owns the size. */
  initialSize: pulumi.Input<number>;
  securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** SSH key name installed on members (port 22 stays closed unless you open it). */
  keyPair?: pulumi.Input<string>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Options of the InstancePool. `size` is ignored after creation so a later `pulumi up` never
 * undoes what the autoscaler did (the provider would otherwise scale the pool back).
 */
export function instancePoolOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions {
  return { parent, ignoreChanges: ["size"] };
}

/** The instance pool running http-load-generator and node_exporter on every member. */
export class AppPool extends pulumi.ComponentResource {
  public readonly pool: exoscale.InstancePool;
  /** Pool id, as the SD agent and the scaler need it. */
  public readonly poolId: pulumi.Output<string>;

  constructor(name: string, args: AppPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("exoscale-autoscaler:pool:AppPool", name, {}, opts);

    this.pool = new exoscale.InstancePool(
      `${name}-pool`,
      {
        zone: args.zone,
        templateId: args.templateId,
        instanceType: args.instanceType,
        diskSize: args.diskSize,
        size: args.initialSize,
        userData: renderPoolCloudInit(),
        securityGroupIds: args.securityGroupIds,
        keyPair: args.keyPair,
        instancePrefix: "app",
        labels: args.labels,
        description: "exoscale-autoscaler: http-load-generator + node_exporter, scaled by the scaler",
      },
      instancePoolOptions(this),
    );
    this.poolId = this.pool.id;

    this.registerOutputs({ poolId: this.poolId });
  }
}
