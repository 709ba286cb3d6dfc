import * as pulumi from "@pulumi/pulumi";
import * as exoscale from "../sdks/exoscale/index.js";
import { CONFIG_KEYS, DEFAULTS, type Credentials, type Settings } from "./config.js";
import { LoadBalancer } from "./loadBalancer.js";
import type { Bundles } from "./bundles.js";
import { MonitoringHost } from "./monitoringHost.js";
import { MonitoringProvisioning } from "./monitoringProvisioning.js";
import { SecurityGroups } from "./network/securityGroups.js";
import { AppPool } from "./pool/appPool.js";
import { PORTS } from "../contracts/ports.js";
import { ServiceCredentials } from "./serviceCredentials.js";
import { SshAccess } from "./sshAccess.js";

export interface AutoscalerStackArgs {
  settings: Settings;
  credentials: Credentials;
  /** The built service bundles the monitoring host receives. */
  bundles: Bundles;
  /** The private half of the user's `ssh_public_key` (secret); absent when the key pair is generated. */
  sshPrivateKey?: pulumi.Output<string>;
}

/** What `pulumi stack output` shows; secrets only as secret Outputs. */
export interface StackOutputs {
  appUrl: pulumi.Output<string>;
  nlbIp: pulumi.Output<string>;
  prometheusUrl: pulumi.Output<string>;
  grafanaUrl: pulumi.Output<string>;
  instancePoolId: pulumi.Output<string>;
  zone: string;
  monitoringHostIp: pulumi.Output<string>;
  monitoringSshUser: pulumi.Output<string>;
  /** Generated SSH private key (secret); undefined when the user brought their own key. */
  sshPrivateKey?: pulumi.Output<string>;
  /** The services' IAM API key and secret (secret). */
  serviceApiKey: pulumi.Output<string>;
  serviceApiSecret: pulumi.Output<string>;
  /** Grafana's admin password (secret): `pulumi stack output --show-secrets grafanaAdminPassword`. */
  grafanaAdminPassword: pulumi.Output<string>;
  /** Scaling bounds and thresholds the scaler and the alert rules will use. */
  scaling: { minSize: number; maxSize: number; scaleUpCpuPercent: number; scaleDownCpuPercent: number };
}

/**
 * The looked-up template's id, or a RunError (printed without a stack trace: the name is the
 * user's setting, not our bug) saying which setting to change and how to find a valid name.
 */
export function requireTemplateId(id: string | undefined, templateName: string, zone: string): string {
  if (id) {
    return id;
  }
  throw new pulumi.RunError(
    `${CONFIG_KEYS.templateName} "${templateName}" matches no compute template in zone ${zone}. ` +
      `List the zone's templates with \`exo compute instance-template list --zone ${zone}\` and set an existing one: ` +
      `pulumi config set ${CONFIG_KEYS.templateName} "<template name>" (the default is "${DEFAULTS.templateName}").`,
  );
}

/** The whole topology, built from validated settings. */
export class AutoscalerStack extends pulumi.ComponentResource {
  public readonly provider: exoscale.Provider;
  public readonly securityGroups: SecurityGroups;
  public readonly sshAccess: SshAccess;
  public readonly appPool: AppPool;
  public readonly loadBalancer: LoadBalancer;
  public readonly monitoringHost: MonitoringHost;
  public readonly serviceCredentials: ServiceCredentials;
  public readonly provisioning: MonitoringProvisioning;
  public readonly outputs: StackOutputs;

  constructor(name: string, args: AutoscalerStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("exoscale-autoscaler:index:AutoscalerStack", name, {}, opts);
    const { settings, credentials } = args;

    // Explicit provider: credentials come from our own config keys, never from ambient state.
    this.provider = new exoscale.Provider(
      `${name}-exoscale`,
      {
        key: credentials.key,
        secret: credentials.secret,
      },
      { parent: this },
    );
    const children: pulumi.ComponentResourceOptions = { parent: this, providers: [this.provider] };
    const labels = { project: pulumi.getProject(), stack: pulumi.getStack() };

    const template = exoscale.getTemplateOutput(
      { zone: settings.zone, name: settings.templateName },
      { parent: this, provider: this.provider },
    );
    const templateId = template.apply((t) => requireTemplateId(t.id, settings.templateName, settings.zone));
    // The template's login user, only once its id is known: a missing template is then one error, not two.
    const loginUser = pulumi.all([templateId, template.defaultUser]).apply(([, user]) => user);

    this.securityGroups = new SecurityGroups(`${name}-sg`, { adminCidrs: settings.adminCidrs }, children);
    this.sshAccess = new SshAccess(`${name}-ssh`, { publicKey: settings.sshPublicKey }, children);

    this.appPool = new AppPool(
      `${name}-app`,
      {
        zone: settings.zone,
        templateId,
        instanceType: settings.pool.instanceType,
        diskSize: settings.pool.diskSize,
        initialSize: settings.pool.initialSize,
        securityGroupIds: [this.securityGroups.pool.id],
        keyPair: this.sshAccess.keyName,
        labels: { ...labels, role: "app" },
      },
      children,
    );

    this.loadBalancer = new LoadBalancer(
      `${name}-lb`,
      {
        zone: settings.zone,
        instancePoolId: this.appPool.poolId,
        labels: { ...labels, role: "entry" },
      },
      children,
    );

    this.monitoringHost = new MonitoringHost(
      `${name}-monitoring`,
      {
        zone: settings.zone,
        templateId,
        sshUser: loginUser,
        instanceType: settings.monitoring.instanceType,
        diskSize: settings.monitoring.diskSize,
        securityGroupIds: [this.securityGroups.monitoring.id],
        sshKeyName: this.sshAccess.keyName,
        labels: { ...labels, role: "monitoring" },
      },
      children,
    );

    this.serviceCredentials = new ServiceCredentials(`${name}-iam`, { labels }, children);

    const sshPrivateKey = args.sshPrivateKey ?? this.sshAccess.privateKey;
    if (sshPrivateKey === undefined) {
      // loadConfig refuses a public key without its private key, so this is our bug, not the user's.
      throw new Error("no SSH private key for the monitoring host: neither generated nor configured");
    }
    this.provisioning = new MonitoringProvisioning(
      `${name}-provision`,
      {
        host: this.monitoringHost.publicIp,
        sshUser: this.monitoringHost.sshUser,
        sshPrivateKey,
        zone: settings.zone,
        poolId: this.appPool.poolId,
        serviceKey: this.serviceCredentials.key,
        serviceSecret: this.serviceCredentials.secret,
        scaling: {
          minSize: settings.pool.minSize,
          maxSize: settings.pool.maxSize,
          scaleUpCpuPercent: settings.scaling.scaleUpCpuPercent,
          scaleDownCpuPercent: settings.scaling.scaleDownCpuPercent,
        },
        grafanaVersion: settings.grafanaVersion,
        bundles: args.bundles,
      },
      { parent: this },
    );

    const hostIp = this.monitoringHost.publicIp;
    this.outputs = {
      appUrl: this.loadBalancer.url,
      nlbIp: this.loadBalancer.ipAddress,
      prometheusUrl: pulumi.interpolate`http://${hostIp}:${PORTS.prometheus}/`,
      grafanaUrl: pulumi.interpolate`http://${hostIp}:${PORTS.grafana}/`,
      instancePoolId: this.appPool.poolId,
      zone: settings.zone,
      monitoringHostIp: hostIp,
      monitoringSshUser: this.monitoringHost.sshUser,
      sshPrivateKey: this.sshAccess.privateKey,
      serviceApiKey: this.serviceCredentials.key,
      serviceApiSecret: this.serviceCredentials.secret,
      grafanaAdminPassword: this.provisioning.grafanaAdminPassword,
      scaling: {
        minSize: settings.pool.minSize,
        maxSize: settings.pool.maxSize,
        scaleUpCpuPercent: settings.scaling.scaleUpCpuPercent,
        scaleDownCpuPercent: settings.scaling.scaleDownCpuPercent,
      },
    };
    this.registerOutputs({ ...this.outputs });
  }
}
