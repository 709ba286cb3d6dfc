import * as pulumi from "@pulumi/pulumi";
import * as exoscale from "../sdks/exoscale/index.js";
import type { IamRolePolicyArgs } from "../sdks/exoscale/types.js";

/**
 * The compute API operations (OpenAPI operationIds) the SD agent and the scaler call: exactly the ones
 * behind the methods of ComputeApi (lib/exoscale/types.ts). Nothing else is allowed.
 */
export const SERVICE_OPERATIONS = [
  "get-instance-pool",
  "list-instances",
  "scale-instance-pool",
  "evict-instance-pool-members",
  "get-operation",
] as const;

/** Deny by default; in compute, allow exactly {@link SERVICE_OPERATIONS} (CEL, first match wins). */
export function serviceRolePolicy() {
  const list = SERVICE_OPERATIONS.map((op) => `'${op}'`).join(", ");
  // `satisfies` checks every nested field name against the binding's IamRolePolicy types while
  // keeping the literal's plain type for callers and tests.
  return {
    defaultServiceStrategy: "deny",
    services: {
      compute: {
        type: "rules",
        rules: [{ action: "allow", expression: `operation in [${list}]` }],
      },
    },
  } satisfies IamRolePolicyArgs;
}

export interface ServiceCredentialsArgs {
  /** Labels put on the IAM role. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A least-privilege IAM role and an API key for our services, so the user's key never leaves their machine. */
export class ServiceCredentials extends pulumi.ComponentResource {
  public readonly role: exoscale.IamRole;
  public readonly apiKey: exoscale.IamApiKey;
  /** API key id, exported only as a secret. */
  public readonly key: pulumi.Output<string>;
  /** API secret, always secret. */
  public readonly secret: pulumi.Output<string>;

  constructor(name: string, args: ServiceCredentialsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("exoscale-autoscaler:iam:ServiceCredentials", name, {}, opts);

    this.role = new exoscale.IamRole(
      `${name}-role`,
      {
        description: "exoscale-autoscaler services: read the pool and its members, scale and evict",
        editable: true,
        labels: args.labels,
        policy: serviceRolePolicy(),
      },
      { parent: this },
    );

    this.apiKey = new exoscale.IamApiKey(`${name}-key`, { roleId: this.role.id }, { parent: this });
    // Secret in our outputs whatever the engine does with additionalSecretOutputs.
    this.key = pulumi.secret(this.apiKey.key);
    this.secret = pulumi.secret(this.apiKey.secret);
    this.registerOutputs({ key: this.key, secret: this.secret });
  }
}
