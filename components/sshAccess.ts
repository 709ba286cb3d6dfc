import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import * as exoscale from "../sdks/exoscale/index.js";

export interface SshAccessArgs {
  /** The user's own OpenSSH public key; when absent an ed25519 key pair is generated. */
  publicKey?: string;
}

/** The SSH key registered at Exoscale for the monitoring host (and the pool). */
export class SshAccess extends pulumi.ComponentResource {
  public readonly key: exoscale.SshKey;
  /** Name to put in `sshKeys` / `keyPair`. */
  public readonly keyName: pulumi.Output<string>;
  /** The generated private key (OpenSSH format), always secret; undefined when the user brought a key. */
  public readonly privateKey?: pulumi.Output<string>;

  constructor(name: string, args: SshAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("exoscale-autoscaler:access:SshAccess", name, {}, opts);

    let publicKey: pulumi.Input<string>;
    if (args.publicKey !== undefined) {
      publicKey = args.publicKey;
    } else {
      const generated = new tls.PrivateKey(`${name}-generated`, { algorithm: "ED25519" }, { parent: this });
      publicKey = generated.publicKeyOpenssh;
      // Wrapped again because the engine, not the SDK, applies additionalSecretOutputs.
      this.privateKey = pulumi.secret(generated.privateKeyOpenssh);
    }

    this.key = new exoscale.SshKey(`${name}-key`, { publicKey }, { parent: this });
    this.keyName = this.key.name;
    this.registerOutputs({ keyName: this.keyName });
  }
}
