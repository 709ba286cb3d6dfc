import type * as pulumi from "@pulumi/pulumi";

/** `exoscale:index/NlbServiceHealthcheck:NlbServiceHealthcheck` (input). */
export interface NlbServiceHealthcheckArgs {
  /** Port probed on the pool members (required). */
  port: pulumi.Input<number>;
  /** `tcp` (default), `http` or `https`. */
  mode?: pulumi.Input<string>;
  /** Path probed in http(s) mode. */
  uri?: pulumi.Input<string>;
  /** Seconds between probes (API: 5–300, default 10). */
  interval?: pulumi.Input<number>;
  /** Seconds before a probe fails (API: 2–60, ≤ interval, default 5). */
  timeout?: pulumi.Input<number>;
  /** Failed probes before a member is marked down (API: 1–20, default 1). */
  retries?: pulumi.Input<number>;
  /** SNI sent in https mode. */
  tlsSni?: pulumi.Input<string>;
}

/** `exoscale:index/NlbServiceHealthcheck:NlbServiceHealthcheck` (output). */
export interface NlbServiceHealthcheck {
  port: number;
  mode?: string;
  uri?: string;
  interval?: number;
  timeout?: number;
  retries?: number;
  tlsSni?: string;
}

/** `exoscale:index/IamRolePolicyServicesRule:IamRolePolicyServicesRule`. */
export interface IamRolePolicyServicesRuleArgs {
  /** `allow` or `deny`. */
  action?: pulumi.Input<string>;
  /** CEL expression; the first rule whose expression holds decides. */
  expression?: pulumi.Input<string>;
  /** @deprecated Not supported upstream; put resources in the CEL expression. */
  resources?: pulumi.Input<pulumi.Input<string>[]>;
}

/** `exoscale:index/IamRolePolicyServices:IamRolePolicyServices`. */
export interface IamRolePolicyServicesArgs {
  /** `allow`, `deny` or `rules`. */
  type?: pulumi.Input<string>;
  rules?: pulumi.Input<pulumi.Input<IamRolePolicyServicesRuleArgs>[]>;
}

/** `exoscale:index/IamRolePolicy:IamRolePolicy`. */
export interface IamRolePolicyArgs {
  /** `allow` or `deny`: what happens to services not listed in `services`. */
  defaultServiceStrategy?: pulumi.Input<string>;
  /** Per-service policy, keyed by service name (e.g. `compute`). */
  services?: pulumi.Input<Record<string, pulumi.Input<IamRolePolicyServicesArgs>>>;
}

export interface IamRolePolicy {
  defaultServiceStrategy?: string;
  services?: Record<string, { type?: string; rules?: { action?: string; expression?: string; resources?: string[] }[] }>;
}

/** `exoscale:index/IamRoleTimeouts:IamRoleTimeouts` and `IamApiKeyTimeouts`. */
export interface ReadTimeoutsArgs {
  read?: pulumi.Input<string>;
}

export interface ReadTimeouts {
  read?: string;
}

/** `exoscale:index/InstancePoolInstance:InstancePoolInstance`. */
export interface InstancePoolInstance {
  id?: string;
  name?: string;
  publicIpAddress?: string;
  ipv6Address?: string;
}

export interface InstancePoolInstanceArgs {
  id?: pulumi.Input<string>;
  name?: pulumi.Input<string>;
  publicIpAddress?: pulumi.Input<string>;
  ipv6Address?: pulumi.Input<string>;
}

/** `exoscale:index/ComputeInstanceNetworkInterface:ComputeInstanceNetworkInterface`. */
export interface ComputeInstanceNetworkInterfaceArgs {
  networkId: pulumi.Input<string>;
  ipAddress?: pulumi.Input<string>;
  macAddress?: pulumi.Input<string>;
}

export interface ComputeInstanceNetworkInterface {
  networkId: string;
  ipAddress?: string;
  macAddress?: string;
}
