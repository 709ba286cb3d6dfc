import * as pulumi from "@pulumi/pulumi";
import { getEnv, hasPulumiType, withPluginDefaults } from "./utilities.js";

/** Inputs of `pulumi:providers:exoscale` (the provider's config variables). */
export interface ProviderArgs {
  /** Exoscale API key (secret; falls back to `EXOSCALE_API_KEY`). */
  key?: pulumi.Input<string>;
  /** Exoscale API secret (secret; falls back to `EXOSCALE_API_SECRET`). */
  secret?: pulumi.Input<string>;
  /** Seconds to wait for compute resources (provider default 3600). */
  timeout?: pulumi.Input<number>;
  /** API environment (default `api`). */
  environment?: pulumi.Input<string>;
  sosEndpoint?: pulumi.Input<string>;
  /** @deprecated Does nothing. */
  delay?: pulumi.Input<number>;
}

/** An explicit instance of the Exoscale provider, so credentials come from our own config keys. */
export class Provider extends pulumi.ProviderResource {
  /** Provider resources register as `pulumi:providers:<package>`. */
  public static readonly __pulumiType = "exoscale";

  public static isInstance(obj: unknown): obj is Provider {
    return hasPulumiType(obj, "pulumi:providers:" + Provider.__pulumiType);
  }

  declare public readonly environment: pulumi.Output<string | undefined>;
  declare public readonly key: pulumi.Output<string | undefined>;
  declare public readonly secret: pulumi.Output<string | undefined>;
  declare public readonly sosEndpoint: pulumi.Output<string | undefined>;

  constructor(name: string, args?: ProviderArgs, opts?: pulumi.ResourceOptions) {
    const resourceInputs: pulumi.Inputs = {};
    const key = args?.key ?? getEnv("EXOSCALE_API_KEY");
    const secret = args?.secret ?? getEnv("EXOSCALE_API_SECRET");
    resourceInputs["key"] = key === undefined ? undefined : pulumi.secret(key);
    resourceInputs["secret"] = secret === undefined ? undefined : pulumi.secret(secret);
    resourceInputs["environment"] = args?.environment;
    resourceInputs["sosEndpoint"] = args?.sosEndpoint;
    // Provider config travels as strings: the generated SDK JSON-encodes non-string values.
    resourceInputs["timeout"] = pulumi.output(args?.timeout).apply((v) => (v === undefined ? undefined : JSON.stringify(v)));
    resourceInputs["delay"] = pulumi.output(args?.delay).apply((v) => (v === undefined ? undefined : JSON.stringify(v)));
    const secretOpts: pulumi.CustomResourceOptions = { additionalSecretOutputs: ["key", "secret"] };
    super(Provider.__pulumiType, name, resourceInputs, withPluginDefaults(pulumi.mergeOptions(opts ?? {}, secretOpts)));
  }
}
