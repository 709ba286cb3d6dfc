import * as pulumi from "@pulumi/pulumi";
import * as exoscale from "../sdks/exoscale/index.js";

export interface MonitoringHostArgs {
  zone: pulumi.Input<string>;
  /** Ubuntu 24.04 template id in that zone. */
  templateId: pulumi.Input<string>;
  /** Login user of the template (`ubuntu`). */
  sshUser: pulumi.Input<string>;
  instanceType: pulumi.Input<string>;
  diskSize: pulumi.Input<number>;
  securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Name of the registered SSH key to install. */
  sshKeyName: pulumi.Input<string>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The VM meant for Prometheus, Grafana, the SD agent and the scaler: a bare template instance
 * with the stack's SSH key, reachable at {@link MonitoringHost.publicIp} as
 * {@link MonitoringHost.sshUser}, ready to be provisioned over SSH.
 */
export class MonitoringHost extends pulumi.ComponentResource {
  public readonly instance: exoscale.ComputeInstance;
  public readonly publicIp: pulumi.Output<string>;
  public readonly sshUser: pulumi.Output<string>;

  constructor(name: string, args: MonitoringHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("exoscale-autoscaler:monitoring:MonitoringHost", name, {}, opts);

    this.instance = new exoscale.ComputeInstance(
      `${name}-vm`,
      {
        zone: args.zone,
        templateId: args.templateId,
        type: args.instanceType,
        diskSize: args.diskSize,
        securityGroupIds: args.securityGroupIds,
        sshKeys: [args.sshKeyName],
        labels: args.labels,
      },
      { parent: this },
    );

    this.publicIp = this.instance.publicIpAddress;
    this.sshUser = pulumi.output(args.sshUser);
    this.registerOutputs({ publicIp: this.publicIp, sshUser: this.sshUser });
  }
}
