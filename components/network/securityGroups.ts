import * as pulumi from "@pulumi/pulumi";
import * as exoscale from "../../sdks/exoscale/index.js";
import { adminCidrWarning } from "../config.js";
import { PORTS } from "../../contracts/ports.js";
import { securityRules, type GroupRole } from "./securityRules.js";

export interface SecurityGroupsArgs {
  /** Networks allowed to reach SSH, Prometheus and Grafana. */
  adminCidrs: string[];
}

/**
 * The pool's and the monitoring host's security groups with exactly the rules of
 * {@link securityRules}.
 */
export class SecurityGroups extends pulumi.ComponentResource {
  /** Group of the instance-pool members. */
  public readonly pool: exoscale.SecurityGroup;
  /** Group of the monitoring host. */
  public readonly monitoring: exoscale.SecurityGroup;
  public readonly rules: exoscale.SecurityGroupRule[];

  constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("exoscale-autoscaler:network:SecurityGroups", name, {}, opts);

    const warning = adminCidrWarning(args.adminCidrs);
    if (warning !== undefined) {
      pulumi.log.warn(warning, this);
    }

    this.pool = new exoscale.SecurityGroup(
      `${name}-pool`,
      {
        description: `exoscale-autoscaler: instance-pool members (app ${PORTS.app}, node_exporter ${PORTS.nodeExporter})`,
      },
      { parent: this },
    );
    this.monitoring = new exoscale.SecurityGroup(
      `${name}-monitoring`,
      {
        description: `exoscale-autoscaler: monitoring host (Prometheus ${PORTS.prometheus}, Grafana ${PORTS.grafana})`,
      },
      { parent: this },
    );

    const groups: Record<GroupRole, exoscale.SecurityGroup> = { pool: this.pool, monitoring: this.monitoring };
    this.rules = securityRules(args.adminCidrs).map(
      (rule) =>
        new exoscale.SecurityGroupRule(
          `${name}-${rule.group}-${rule.key}`,
          {
            securityGroupId: groups[rule.group].id,
            type: "INGRESS",
            protocol: "TCP",
            startPort: rule.port,
            endPort: rule.port,
            ...("cidr" in rule.source ? { cidr: rule.source.cidr } : { userSecurityGroupId: groups[rule.source.group].id }),
            description: rule.description,
          },
          { parent: this },
        ),
    );

    this.registerOutputs({ poolGroupId: this.pool.id, monitoringGroupId: this.monitoring.id });
  }
}
