import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import sinon from "sinon";
import { fakeBundles } from "../helpers/bundles.js";
import { parseSettings } from "../../components/config.js";
import { AutoscalerStack } from "../../components/stack.js";
import { EXOSCALE_PROVIDER, EXOSCALE_RESOURCES, GET_TEMPLATE, nestedInputProblems, PLUGIN } from "../helpers/pulumiExoscaleSchema.js";
import { installPulumiMocks, MOCK_VALUES, settle, valueOf, type Registration } from "../helpers/pulumiMocks.js";

const USER_KEY = "EXOuserkey1234567890";
const USER_SECRET = "user-exoscale-secret-never-leaves";

const session = installPulumiMocks({
  config: { exoscale_key: USER_KEY, exoscale_secret: USER_SECRET },
  secretKeys: ["exoscale_secret"],
});
const warn = sinon.stub(pulumi.log, "warn");

type Program = Record<string, unknown>;
let program: Program;
/** Registrations of the program itself (tests below may add more). */
let programRegs: Registration[];

const STACK_TYPE = "exoscale-autoscaler:index:AutoscalerStack";

test.before(async () => {
  program = (await import("../../index.js")) as Program;
  await settle(...Object.values(program).filter(pulumi.Output.isInstance));
  programRegs = [...session.registrations];
});

/** Expected custom resources with the default configuration (one admin network). */
const EXPECTED_CUSTOM_COUNTS: Record<string, number> = {
  "pulumi:providers:exoscale": 1,
  "exoscale:index/securityGroup:SecurityGroup": 2,
  "exoscale:index/securityGroupRule:SecurityGroupRule": 5,
  "exoscale:index/instancePool:InstancePool": 1,
  "exoscale:index/nlb:Nlb": 1,
  "exoscale:index/nlbService:NlbService": 1,
  "exoscale:index/computeInstance:ComputeInstance": 1,
  "exoscale:index/sshKey:SshKey": 1,
  "exoscale:index/iamRole:IamRole": 1,
  "exoscale:index/iamApiKey:IamApiKey": 1,
  "tls:index/privateKey:PrivateKey": 1,
  // The monitoring host's provisioning: 8 remote commands, 12 uploads, Grafana's password and the webhook token.
  "command:remote:Command": 8,
  "command:remote:CopyToRemote": 12,
  "random:index/randomPassword:RandomPassword": 2,
};

function one(type: string): Registration {
  const found = programRegs.filter((r) => r.type === type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}, found ${found.length}`);
  }
  return found[0];
}

test("the program builds exactly the expected cloud resources", (t) => {
  const counts: Record<string, number> = {};
  for (const r of programRegs.filter((r) => r.custom)) {
    counts[r.type] = (counts[r.type] ?? 0) + 1;
  }
  t.deepEqual(counts, EXPECTED_CUSTOM_COUNTS);
});

test("every Exoscale registration uses a schema token, schema input names and all required inputs", (t) => {
  for (const reg of programRegs.filter((r) => r.type.startsWith("exoscale:"))) {
    const facts = EXOSCALE_RESOURCES[reg.type];
    t.truthy(facts, `${reg.type} is not a v0.66.1 resource token`);
    if (!facts) {
      continue;
    }
    for (const key of Object.keys(reg.inputs)) {
      t.true(facts.inputs.includes(key), `${reg.name}: "${key}" is not an input of ${reg.type}`);
    }
    for (const key of facts.requiredInputs) {
      t.not(reg.inputs[key], undefined, `${reg.name}: required input ${key} missing`);
    }
  }
});

test("nested inputs (every health check, the IAM policy, its services and rules) use the schema's field names", (t) => {
  const nested = programRegs.filter(
    (r) => r.type === "exoscale:index/nlbService:NlbService" || r.type === "exoscale:index/iamRole:IamRole",
  );
  t.is(nested.length, 2);
  for (const reg of nested) {
    t.deepEqual(nestedInputProblems(reg.type, reg.inputs), [], reg.name);
  }
  const service = one("exoscale:index/nlbService:NlbService");
  t.true(Array.isArray(service.inputs.healthchecks) && service.inputs.healthchecks.length > 0, "health checks were recorded");
  const role = one("exoscale:index/iamRole:IamRole");
  t.deepEqual(Object.keys((role.inputs.policy as { services: object }).services), ["compute"], "the policy was recorded");
});

test("every Exoscale resource and invoke goes through the explicit provider with the pinned plugin", (t) => {
  const provider = one(EXOSCALE_PROVIDER.token);
  const providerRef = `${provider.urn}::${provider.name}-id`;
  for (const reg of programRegs.filter((r) => r.type.startsWith("exoscale:") || r.type === EXOSCALE_PROVIDER.token)) {
    t.is(reg.version, PLUGIN.version, `${reg.name} version`);
    t.is(reg.pluginDownloadURL, PLUGIN.downloadURL, `${reg.name} pluginDownloadURL`);
    if (reg !== provider) {
      t.is(reg.provider, providerRef, `${reg.name} uses the explicit provider`);
    }
  }
  const lookups = session.invokes.filter((i) => i.token === GET_TEMPLATE.token);
  t.is(lookups.length, 1);
  t.deepEqual(lookups[0].inputs, { zone: "at-vie-1", name: "Linux Ubuntu 24.04 LTS 64-bit" });
  t.is(lookups[0].provider, providerRef);
  t.is(lookups[0].version, PLUGIN.version);
  t.is(lookups[0].pluginDownloadURL, PLUGIN.downloadURL);
});

test("the provider is built from exoscale_key / exoscale_secret, both sent as secrets", (t) => {
  const provider = one(EXOSCALE_PROVIDER.token);
  t.is(provider.inputs.key, USER_KEY);
  t.is(provider.inputs.secret, USER_SECRET);
  t.deepEqual(provider.secretInputs.sort(), ["key", "secret"]);
  // The user's secret goes nowhere else.
  for (const reg of programRegs.filter((r) => r !== provider)) {
    t.false(JSON.stringify(reg.inputs).includes(USER_SECRET), `${reg.name} carries the user's secret`);
    t.false(JSON.stringify(reg.inputs).includes(USER_KEY), `${reg.name} carries the user's key`);
  }
});

test("resource names are unique and every child shows its component parent chain", (t) => {
  t.deepEqual(session.duplicateUrns(), []);
  const expectedChains: Record<string, string[]> = {
    "exoscale:index/securityGroup:SecurityGroup": [STACK_TYPE, "exoscale-autoscaler:network:SecurityGroups"],
    "exoscale:index/securityGroupRule:SecurityGroupRule": [STACK_TYPE, "exoscale-autoscaler:network:SecurityGroups"],
    "exoscale:index/instancePool:InstancePool": [STACK_TYPE, "exoscale-autoscaler:pool:AppPool"],
    "exoscale:index/nlb:Nlb": [STACK_TYPE, "exoscale-autoscaler:network:LoadBalancer"],
    "exoscale:index/nlbService:NlbService": [STACK_TYPE, "exoscale-autoscaler:network:LoadBalancer"],
    "exoscale:index/computeInstance:ComputeInstance": [STACK_TYPE, "exoscale-autoscaler:monitoring:MonitoringHost"],
    "exoscale:index/sshKey:SshKey": [STACK_TYPE, "exoscale-autoscaler:access:SshAccess"],
    "tls:index/privateKey:PrivateKey": [STACK_TYPE, "exoscale-autoscaler:access:SshAccess"],
    "exoscale:index/iamRole:IamRole": [STACK_TYPE, "exoscale-autoscaler:iam:ServiceCredentials"],
    "exoscale:index/iamApiKey:IamApiKey": [STACK_TYPE, "exoscale-autoscaler:iam:ServiceCredentials"],
    "pulumi:providers:exoscale": [STACK_TYPE],
    "command:remote:Command": [STACK_TYPE, "exoscale-autoscaler:monitoring:MonitoringProvisioning"],
    "command:remote:CopyToRemote": [STACK_TYPE, "exoscale-autoscaler:monitoring:MonitoringProvisioning"],
    "random:index/randomPassword:RandomPassword": [STACK_TYPE, "exoscale-autoscaler:monitoring:MonitoringProvisioning"],
  };
  for (const reg of programRegs.filter((r) => r.custom)) {
    t.deepEqual(session.parentChain(reg), expectedChains[reg.type], `${reg.name} parent chain`);
    t.true(reg.name.startsWith("autoscaler-"), `${reg.name} is derived from the component name`);
  }
  const child = one("exoscale:index/instancePool:InstancePool");
  t.true(child.urn.includes("exoscale-autoscaler:pool:AppPool$exoscale:index/instancePool:InstancePool::"), child.urn);
});

test("resources are wired together: groups, key, template, pool behind the NLB", (t) => {
  const groups = programRegs.filter((r) => r.type === "exoscale:index/securityGroup:SecurityGroup");
  const poolGroup = groups.find((g) => g.name.endsWith("-pool"));
  const monGroup = groups.find((g) => g.name.endsWith("-monitoring"));
  const pool = one("exoscale:index/instancePool:InstancePool");
  const vm = one("exoscale:index/computeInstance:ComputeInstance");
  const key = one("exoscale:index/sshKey:SshKey");
  const service = one("exoscale:index/nlbService:NlbService");
  const nlb = one("exoscale:index/nlb:Nlb");

  t.like(pool.inputs, { zone: "at-vie-1", templateId: MOCK_VALUES.templateId, instanceType: "standard.micro", diskSize: 10, size: 1 });
  t.deepEqual(pool.inputs.securityGroupIds, [`${poolGroup?.name}-id`]);
  t.is(pool.inputs.keyPair, `${key.name}-auto`);
  t.deepEqual(pool.ignoreChanges, ["size"]);
  t.regex(String(pool.inputs.userData), /^#cloud-config\n/);

  t.like(vm.inputs, { zone: "at-vie-1", templateId: MOCK_VALUES.templateId, type: "standard.small", diskSize: 20 });
  t.deepEqual(vm.inputs.securityGroupIds, [`${monGroup?.name}-id`]);
  t.deepEqual(vm.inputs.sshKeys, [`${key.name}-auto`]);
  t.is(key.inputs.publicKey, MOCK_VALUES.generatedPublicKey);

  t.like(service.inputs, { nlbId: `${nlb.name}-id`, instancePoolId: `${pool.name}-id`, port: 80, targetPort: 8080 });
  const exporterRule = programRegs.find(
    (r) => r.type === "exoscale:index/securityGroupRule:SecurityGroupRule" && r.inputs.startPort === 9100,
  );
  t.is(exporterRule?.inputs.securityGroupId, `${poolGroup?.name}-id`);
  t.is(exporterRule?.inputs.userSecurityGroupId, `${monGroup?.name}-id`);
});

test("stack outputs: app URL, Prometheus and Grafana URLs, pool id, zone, monitoring IP", async (t) => {
  t.is(await valueOf(program.appUrl as pulumi.Output<string>), `http://${MOCK_VALUES.nlbIp}/`);
  t.is(await valueOf(program.prometheusUrl as pulumi.Output<string>), `http://${MOCK_VALUES.monitoringIp}:9090/`);
  t.is(await valueOf(program.grafanaUrl as pulumi.Output<string>), `http://${MOCK_VALUES.monitoringIp}:3000/`);
  t.is(await valueOf(program.instancePoolId as pulumi.Output<string>), "autoscaler-app-pool-id");
  t.is(program.zone, "at-vie-1");
  t.is(await valueOf(program.monitoringHostIp as pulumi.Output<string>), MOCK_VALUES.monitoringIp);
  t.is(await valueOf(program.monitoringSshUser as pulumi.Output<string>), "ubuntu");
  t.deepEqual(program.scaling, { minSize: 1, maxSize: 10, scaleUpCpuPercent: 80, scaleDownCpuPercent: 20 });
});

test("generated credentials are secret outputs and never appear in plain outputs", async (t) => {
  const secretNames = ["sshPrivateKey", "serviceApiKey", "serviceApiSecret", "grafanaAdminPassword"];
  for (const name of secretNames) {
    const output = program[name];
    t.true(pulumi.Output.isInstance(output), `${name} is exported`);
    t.true(await pulumi.isSecret(output as pulumi.Output<unknown>), `${name} is secret`);
  }
  t.is(await valueOf(program.serviceApiSecret as pulumi.Output<string>), MOCK_VALUES.apiSecret);
  t.is(await valueOf(program.sshPrivateKey as pulumi.Output<string>), MOCK_VALUES.generatedPrivateKey);

  const secrets = [
    MOCK_VALUES.apiSecret,
    MOCK_VALUES.apiKey,
    MOCK_VALUES.generatedPrivateKey,
    USER_SECRET,
    MOCK_VALUES.randomPassword("grafana-admin"),
    MOCK_VALUES.randomPassword("webhook-token"),
  ];
  for (const [name, value] of Object.entries(program)) {
    if (secretNames.includes(name)) {
      continue;
    }
    if (pulumi.Output.isInstance(value)) {
      t.false(await pulumi.isSecret(value), `${name} should be a plain output`);
    }
    const plain = JSON.stringify(await valueOf(value as pulumi.Input<unknown>)) ?? "";
    for (const secret of secrets) {
      t.false(plain.includes(secret), `${name} leaks a secret`);
    }
  }
});

test("pulumi up warns that admin ports are open to the world with the default admin_cidrs", (t) => {
  t.true(warn.calledWithMatch(sinon.match(/admin_cidrs includes the whole Internet/)));
});

test("a user-supplied SSH key and narrow admin networks: no generated key, rules per network", async (t) => {
  const before = session.registrations.length;
  warn.resetHistory();
  const settings = parseSettings({
    zone: "de-fra-1",
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUserKey user@laptop",
    adminCidrs: '["203.0.113.7/32", "198.51.100.0/24"]',
    poolInitialSize: "2",
  });
  const stack = new AutoscalerStack("custom", {
    settings,
    credentials: { key: USER_KEY, secret: pulumi.secret(USER_SECRET) },
    bundles: fakeBundles(),
    sshPrivateKey: pulumi.secret("user-private-key"),
  });
  await settle(stack.outputs.appUrl, stack.outputs.serviceApiSecret, stack.outputs.monitoringHostIp);
  const regs = session.registrations.slice(before);
  t.is(stack.outputs.sshPrivateKey, undefined);
  t.is(await valueOf(stack.outputs.monitoringHostIp), MOCK_VALUES.monitoringIp);
  t.is(regs.filter((r) => r.type === "tls:index/privateKey:PrivateKey").length, 0);
  t.is(regs.filter((r) => r.type === "exoscale:index/securityGroupRule:SecurityGroupRule").length, 2 + 3 * 2);
  t.is(warn.callCount, 0);
  const pool = regs.find((r) => r.type === "exoscale:index/instancePool:InstancePool");
  t.like(pool?.inputs, { zone: "de-fra-1", size: 2 });
  t.deepEqual(session.duplicateUrns(), []);
});

test("the monitoring host is provisioned over SSH at its IP, as the template's user, with the stack's key, waiting for it to boot", (t) => {
  const commands = programRegs.filter((r) => r.type === "command:remote:Command" || r.type === "command:remote:CopyToRemote");
  t.true(commands.length > 0);
  for (const reg of commands) {
    t.like(reg.inputs.connection, {
      host: MOCK_VALUES.monitoringIp,
      user: "ubuntu",
      privateKey: MOCK_VALUES.generatedPrivateKey,
      dialErrorLimit: 60,
      perDialTimeout: 10,
    });
  }
  // The three bundles come from dist/, built by the program itself.
  const bundles = programRegs.filter((r) => r.type === "command:remote:CopyToRemote" && String(r.inputs.remotePath).endsWith(".cjs"));
  t.deepEqual(bundles.map((r) => String(r.inputs.remotePath).split("/").at(-1)).sort(), [
    "grafana-provisioner.cjs",
    "scaler.cjs",
    "sd-agent.cjs",
  ]);
});
