/**
 * Turns the bare monitoring VM into the scaling loop's home, over SSH with `@pulumi/command`: Prometheus,
 * Grafana and Node.js installed, our three bundles and their rendered files copied, the SD agent and the
 * scaler started, Grafana provisioned. Every step is a remote command whose script comes from contracts/,
 * and every copied file carries its content hash as a trigger, so a changed bundle or file re-pushes
 * exactly that file and restarts exactly the service it belongs to.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { renderEnvFile } from "../contracts/envFile.js";
import { STAGED, stagedPath, type ServiceKey } from "../contracts/hostLayout.js";
import {
  asRemoteCommand,
  configureGrafanaScript,
  configurePrometheusScript,
  installPackagesScript,
  installServiceScript,
  prepareHostScript,
  runProvisionerScript,
  waitForBootScript,
  type PackageSources,
} from "../contracts/hostScripts.js";
import { renderPrometheusConfig } from "../contracts/prometheusConfig.js";
import { grafanaProvisionerEnv, grafanaServerEnv, scalerEnv, sdAgentEnv, type ScalingSettings } from "../contracts/serviceEnv.js";
import { renderGrafanaDropIn, renderProvisionerUnit, renderServiceUnit } from "../contracts/systemdUnits.js";
import { sha256, type Bundles } from "./bundles.js";

export interface MonitoringProvisioningArgs {
  /** The monitoring VM's public address and login. */
  host: pulumi.Input<string>;
  sshUser: pulumi.Input<string>;
  /** The private key of the stack's SSH key (secret). */
  sshPrivateKey: pulumi.Input<string>;
  zone: string;
  poolId: pulumi.Input<string>;
  /** The services' least-privilege API key and secret (secret). */
  serviceKey: pulumi.Input<string>;
  serviceSecret: pulumi.Input<string>;
  scaling: ScalingSettings;
  grafanaVersion: string;
  bundles: Bundles;
  /** Where Grafana and Node.js come from (a rehearsal points them at stand-ins). */
  packageSources?: Partial<PackageSources>;
  /** Lowest Node.js major the install step accepts (default 22; a rehearsal on Debian 12 uses 20). */
  nodeMajor?: number;
  /** The Exoscale API base URL including /v2 for the services (default: the real API; a rehearsal uses the emulator). */
  apiEndpoint?: string;
}

/** One file that CopyToRemote uploads to the staging directory. */
interface StagedFile {
  name: string;
  source: pulumi.Input<pulumi.asset.Asset>;
  /** Its content hash; a secret when the content is. */
  hash: pulumi.Input<string>;
}

/** The VM boots for a few minutes after it is created: keep dialling for up to ten (60 × 10 s). */
const BOOT_DIAL = { dialErrorLimit: 60, perDialTimeout: 10 } as const;

export class MonitoringProvisioning extends pulumi.ComponentResource {
  /** Grafana's admin password, generated once; only ever a secret. */
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  /** The Bearer token Grafana's contact point sends to the scaler; only ever a secret. */
  public readonly webhookToken: pulumi.Output<string>;
  /** Every remote command, in the order they run (for inspection and the host rehearsal). */
  public readonly commands: command.remote.Command[] = [];
  public readonly copies: command.remote.CopyToRemote[] = [];
  /** The last step: Grafana provisioned, the loop complete. */
  public readonly provisioned: command.remote.Command;

  constructor(name: string, args: MonitoringProvisioningArgs, opts?: pulumi.ComponentResourceOptions) {
    super("exoscale-autoscaler:monitoring:MonitoringProvisioning", name, {}, opts);
    const child = { parent: this };

    const grafanaPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, child);
    const token = new random.RandomPassword(`${name}-webhook-token`, { length: 40, special: false }, child);
    this.grafanaAdminPassword = pulumi.secret(grafanaPassword.result);
    this.webhookToken = pulumi.secret(token.result);

    const connection: command.types.input.remote.ConnectionArgs = {
      host: args.host,
      user: args.sshUser,
      privateKey: pulumi.secret(args.sshPrivateKey),
      ...BOOT_DIAL,
    };
    const run = (
      step: string,
      script: pulumi.Input<string>,
      extra: { triggers?: pulumi.Input<unknown>[]; dependsOn: pulumi.Resource[] },
    ) => {
      const cmd = new command.remote.Command(
        `${name}-${step}`,
        { connection, create: pulumi.output(script).apply(asRemoteCommand), ...(extra.triggers ? { triggers: extra.triggers } : {}) },
        { parent: this, dependsOn: extra.dependsOn, customTimeouts: { create: "20m" } },
      );
      this.commands.push(cmd);
      return cmd;
    };

    // 1. Reachable and done booting; 2. packages; 3. users and directories (the staging dir included).
    const boot = run("boot", waitForBootScript(), { dependsOn: [] });
    const install = run(
      "install",
      installPackagesScript({
        grafanaVersion: args.grafanaVersion,
        sources: args.packageSources ?? {},
        ...(args.nodeMajor !== undefined ? { nodeMajor: args.nodeMajor } : {}),
      }),
      {
        dependsOn: [boot],
      },
    );
    const prepare = run(
      "prepare",
      pulumi.output(args.sshUser).apply((sshUser) => prepareHostScript({ sshUser })),
      { dependsOn: [install] },
    );

    // 4. The files, staged as the SSH user; the commands below install them with their modes and owners.
    const access = pulumi.all([args.poolId, args.serviceKey, args.serviceSecret]).apply(([poolId, key, secret]) => ({
      zone: args.zone,
      poolId,
      key,
      secret,
      ...(args.apiEndpoint !== undefined ? { endpoint: args.apiEndpoint } : {}),
    }));
    const secretText = (text: pulumi.Output<string>) => pulumi.secret(text);
    const envFiles: Record<ServiceKey, pulumi.Output<string>> = {
      sdAgent: secretText(access.apply((a) => renderEnvFile(sdAgentEnv(a)))),
      scaler: secretText(pulumi.all([access, token.result]).apply(([a, t]) => renderEnvFile(scalerEnv(a, args.scaling, t)))),
      grafanaProvisioner: secretText(
        pulumi.all([grafanaPassword.result, token.result]).apply(([p, t]) => renderEnvFile(grafanaProvisionerEnv(args.scaling, p, t))),
      ),
    };
    const stage = (file: StagedFile): command.remote.CopyToRemote => {
      const copy = new command.remote.CopyToRemote(
        `${name}-copy-${file.name}`,
        { connection, source: file.source, remotePath: stagedPath(file.name), triggers: [file.hash] },
        { parent: this, dependsOn: [prepare] },
      );
      this.copies.push(copy);
      return copy;
    };
    const text = (name: string, content: string): StagedFile => ({
      name,
      source: new pulumi.asset.StringAsset(content),
      hash: sha256(content),
    });
    const secretFile = (name: string, content: pulumi.Output<string>): StagedFile => ({
      name,
      source: pulumi.secret(content.apply((c) => new pulumi.asset.StringAsset(c))),
      hash: pulumi.secret(content.apply(sha256)),
    });
    const bundleFile = (bundle: keyof Bundles): StagedFile => ({
      name: STAGED.bundle(bundle),
      source: new pulumi.asset.FileAsset(args.bundles[bundle].path),
      hash: args.bundles[bundle].sha256,
    });

    const serviceFiles = (service: ServiceKey, bundle: keyof Bundles, unit: string): StagedFile[] => [
      bundleFile(bundle),
      text(STAGED.unit(service), unit),
      secretFile(STAGED.env(service), envFiles[service]),
    ];
    const startService = (service: "sdAgent" | "scaler", bundle: keyof Bundles): command.remote.Command => {
      const files = serviceFiles(service, bundle, renderServiceUnit(service));
      const copies = files.map(stage);
      return run(service === "sdAgent" ? "sd-agent" : "scaler", installServiceScript(service), {
        triggers: files.map((f) => f.hash),
        dependsOn: [install, ...copies],
      });
    };

    // 5. The two services, each restarted only when one of its own files changed.
    const sdAgent = startService("sdAgent", "sd-agent");
    const scaler = startService("scaler", "scaler");

    // 6. Prometheus following the SD file; 7. Grafana with its admin password set before its first start.
    const prometheusConfig = text(STAGED.prometheusConfig, renderPrometheusConfig());
    const prometheus = run("prometheus", configurePrometheusScript(), {
      triggers: [prometheusConfig.hash],
      dependsOn: [install, sdAgent, stage(prometheusConfig)],
    });
    const grafanaFiles = [
      secretFile(
        STAGED.grafanaEnv,
        grafanaPassword.result.apply((p) => renderEnvFile(grafanaServerEnv(p))),
      ),
      text(STAGED.grafanaDropIn, renderGrafanaDropIn()),
    ];
    const grafana = run("grafana", configureGrafanaScript(), {
      triggers: grafanaFiles.map((f) => f.hash),
      dependsOn: [install, ...grafanaFiles.map(stage)],
    });

    // 8. The provisioner, once Grafana, Prometheus and the scaler it points at are up.
    const provisionerFiles = serviceFiles("grafanaProvisioner", "grafana-provisioner", renderProvisionerUnit());
    this.provisioned = run("provision-grafana", runProvisionerScript(), {
      triggers: provisionerFiles.map((f) => f.hash),
      dependsOn: [grafana, prometheus, scaler, ...provisionerFiles.map(stage)],
    });

    this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword, webhookToken: this.webhookToken });
  }
}
