import * as pulumi from "@pulumi/pulumi";
import * as exoscale from "../sdks/exoscale/index.js";
import type { NlbServiceHealthcheck } from "../sdks/exoscale/types.js";
import { PORTS } from "../contracts/ports.js";

/** The binding's `NlbServiceHealthcheck`, restricted to the fields we set (all of them set). */
export type AppHealthcheck = Required<Pick<NlbServiceHealthcheck, "port" | "mode" | "uri" | "interval" | "timeout" | "retries">>;

/** HTTP probe of the app's `/health` (the API allows interval 5–300, timeout 2–60 ≤ interval, retries 1–20). */
export function appHealthcheck(): AppHealthcheck {
  return { port: PORTS.app, mode: "http", uri: "/health", interval: 5, timeout: 3, retries: 1 };
}

export interface LoadBalancerArgs {
  zone: pulumi.Input<string>;
  /** Pool receiving the traffic. */
  instancePoolId: pulumi.Input<string>;
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Network load balancer: port 80 → 8080 on every healthy pool member, round-robin. */
export class LoadBalancer extends pulumi.ComponentResource {
  public readonly nlb: exoscale.Nlb;
  public readonly service: exoscale.NlbService;
  /** Public IPv4 of the NLB. */
  public readonly ipAddress: pulumi.Output<string>;
  /** `http://<nlb-ip>/`. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("exoscale-autoscaler:network:LoadBalancer", name, {}, opts);

    this.nlb = new exoscale.Nlb(
      `${name}-nlb`,
      {
        zone: args.zone,
        description: "exoscale-autoscaler: public entry to the app pool",
        labels: args.labels,
      },
      { parent: this },
    );

    this.service = new exoscale.NlbService(
      `${name}-http`,
      {
        zone: args.zone,
        nlbId: this.nlb.id,
        instancePoolId: args.instancePoolId,
        port: PORTS.nlbListener,
        targetPort: PORTS.app,
        protocol: "tcp",
        strategy: "round-robin",
        healthchecks: [appHealthcheck()],
        description: `HTTP ${PORTS.nlbListener} -> http-load-generator ${PORTS.app}`,
      },
      { parent: this },
    );

    this.ipAddress = this.nlb.ipAddress;
    this.url = pulumi.interpolate`http://${this.nlb.ipAddress}/`;
    this.registerOutputs({ ipAddress: this.ipAddress, url: this.url });
  }
}
