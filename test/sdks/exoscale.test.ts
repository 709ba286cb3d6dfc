import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import * as exoscale from "../../sdks/exoscale/index.js";
import type {
  IamRolePolicyArgs,
  IamRolePolicyServicesArgs,
  IamRolePolicyServicesRuleArgs,
  NlbServiceHealthcheck,
  NlbServiceHealthcheckArgs,
} from "../../sdks/exoscale/types.js";
import {
  EXOSCALE_PROVIDER,
  EXOSCALE_RESOURCES,
  GET_TEMPLATE,
  IAMROLEPOLICY_FIELDS,
  IAMROLEPOLICYSERVICES_FIELDS,
  IAMROLEPOLICYSERVICESRULE_FIELDS,
  NLBSERVICEHEALTHCHECK_FIELDS,
  PLUGIN,
} from "../helpers/pulumiExoscaleSchema.js";
import { installPulumiMocks, MOCK_VALUES, settle, valueOf } from "../helpers/pulumiMocks.js";

const session = installPulumiMocks();

type AnyArgs = Record<string, unknown>;
type Ctor = new (name: string, args: AnyArgs, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** Each class of the binding with arguments that satisfy the schema's required inputs. */
const CLASSES: { ctor: Ctor; token: string; args: AnyArgs }[] = [
  {
    ctor: exoscale.InstancePool as unknown as Ctor,
    token: "exoscale:index/instancePool:InstancePool",
    args: { zone: "at-vie-1", size: 2, templateId: "t", instanceType: "standard.micro", userData: "#cloud-config\n" },
  },
  { ctor: exoscale.Nlb as unknown as Ctor, token: "exoscale:index/nlb:Nlb", args: { zone: "at-vie-1", description: "d" } },
  {
    ctor: exoscale.NlbService as unknown as Ctor,
    token: "exoscale:index/nlbService:NlbService",
    args: { zone: "at-vie-1", nlbId: "n", instancePoolId: "p", port: 80, targetPort: 8080, healthchecks: [{ port: 8080 }] },
  },
  { ctor: exoscale.SecurityGroup as unknown as Ctor, token: "exoscale:index/securityGroup:SecurityGroup", args: { description: "d" } },
  {
    ctor: exoscale.SecurityGroupRule as unknown as Ctor,
    token: "exoscale:index/securityGroupRule:SecurityGroupRule",
    args: { type: "INGRESS", securityGroupId: "g", cidr: "10.0.0.0/8", startPort: 1, endPort: 2 },
  },
  {
    ctor: exoscale.ComputeInstance as unknown as Ctor,
    token: "exoscale:index/computeInstance:ComputeInstance",
    args: { zone: "at-vie-1", templateId: "t", type: "standard.small", diskSize: 20 },
  },
  { ctor: exoscale.SshKey as unknown as Ctor, token: "exoscale:index/sshKey:SshKey", args: { publicKey: MOCK_VALUES.generatedPublicKey } },
  {
    ctor: exoscale.IamRole as unknown as Ctor,
    token: "exoscale:index/iamRole:IamRole",
    args: { description: "d", policy: { defaultServiceStrategy: "deny" } },
  },
  { ctor: exoscale.IamApiKey as unknown as Ctor, token: "exoscale:index/iamApiKey:IamApiKey", args: { roleId: "r" } },
];

test("the binding covers every resource of the schema table with the same type token", (t) => {
  t.deepEqual(
    CLASSES.map((c) => (c.ctor as unknown as { __pulumiType: string }).__pulumiType).sort(),
    Object.keys(EXOSCALE_RESOURCES).sort(),
  );
  for (const c of CLASSES) {
    t.is((c.ctor as unknown as { __pulumiType: string }).__pulumiType, c.token);
  }
});

test("every resource registers its token, schema input names only, and the pinned plugin", async (t) => {
  const instances = CLASSES.map((c, i) => ({ c, res: new c.ctor(`binding-${i}`, c.args) }));
  await settle(...instances.map(({ res }) => res.urn as pulumi.Output<unknown>));
  for (const [i, { c }] of instances.entries()) {
    const reg = session.registrations.find((r) => r.name === `binding-${i}`);
    if (!reg) {
      t.fail(`no registration for ${c.token}`);
      continue;
    }
    t.is(reg.type, c.token);
    const facts = EXOSCALE_RESOURCES[c.token];
    for (const key of Object.keys(reg.inputs)) {
      t.true(facts.inputs.includes(key), `${c.token}: "${key}" is not an input in the v0.66.1 schema`);
    }
    for (const [key, value] of Object.entries(c.args)) {
      t.deepEqual(reg.inputs[key], value, `${c.token}: input ${key} passed through`);
    }
    t.is(reg.version, PLUGIN.version, `${c.token} version`);
    t.is(reg.pluginDownloadURL, PLUGIN.downloadURL, `${c.token} pluginDownloadURL`);
  }
});

test("every schema property is an Output on the instance (declare fields are not wiped)", async (t) => {
  for (const [i, c] of CLASSES.entries()) {
    const res = new c.ctor(`outputs-${i}`, c.args) as unknown as Record<string, unknown>;
    const facts = EXOSCALE_RESOURCES[c.token];
    for (const prop of [...facts.inputs, ...facts.outputOnly]) {
      t.true(pulumi.Output.isInstance(res[prop]), `${c.token}.${prop} should be an Output`);
    }
  }
  const nlb = new exoscale.Nlb("outputs-nlb", { zone: "at-vie-1" });
  t.is(await valueOf(nlb.ipAddress), MOCK_VALUES.nlbIp);
  const vm = new exoscale.ComputeInstance("outputs-vm", { zone: "at-vie-1", templateId: "t", type: "standard.small", diskSize: 10 });
  t.is(await valueOf(vm.publicIpAddress), MOCK_VALUES.monitoringIp);
});

for (const c of CLASSES) {
  const required = EXOSCALE_RESOURCES[c.token].requiredInputs;
  for (const name of required) {
    test(`${c.token} refuses a missing required '${name}'`, (t) => {
      const args = { ...c.args };
      delete args[name];
      t.throws(() => new c.ctor(`missing-${name}-${c.token}`, args), { message: `Missing required property '${name}'` });
    });
  }
  test(`${c.token} requires nothing beyond the schema's required inputs`, (t) => {
    const minimal = Object.fromEntries(required.map((name) => [name, c.args[name]]));
    t.notThrows(() => new c.ctor(`minimal-${c.token}`, minimal));
  });
}

test("IamApiKey asks the engine to keep its secret output secret", async (t) => {
  const key = new exoscale.IamApiKey("secret-key", { roleId: "r" });
  await settle(key.urn as pulumi.Output<unknown>);
  const reg = session.registrations.find((r) => r.name === "secret-key");
  t.deepEqual(reg?.additionalSecretOutputs, [...EXOSCALE_RESOURCES["exoscale:index/iamApiKey:IamApiKey"].secretOutputs]);
});

test("Provider registers as pulumi:providers:exoscale with key and secret as secrets", async (t) => {
  const provider = new exoscale.Provider("explicit", { key: "EXOkey", secret: "s3cret", timeout: 120 });
  t.true(exoscale.Provider.isInstance(provider));
  await settle(provider.urn as pulumi.Output<unknown>);
  const reg = session.registrations.find((r) => r.name === "explicit");
  t.is(reg?.type, EXOSCALE_PROVIDER.token);
  t.deepEqual(reg?.secretInputs.sort(), [...EXOSCALE_PROVIDER.secretInputs]);
  t.deepEqual(reg?.additionalSecretOutputs.sort(), ["key", "secret"]);
  t.is(reg?.inputs.key, "EXOkey");
  t.is(reg?.inputs.timeout, "120", "non-string provider config travels JSON-encoded");
  for (const key of Object.keys(reg?.inputs ?? {})) {
    t.true((EXOSCALE_PROVIDER.inputs as readonly string[]).includes(key), `provider input ${key}`);
  }
  t.is(reg?.version, PLUGIN.version);
  t.is(reg?.pluginDownloadURL, PLUGIN.downloadURL);
});

test("getTemplate and getTemplateOutput invoke the schema token with the pinned plugin", async (t) => {
  const direct = await exoscale.getTemplate({ zone: "at-vie-1", name: "Linux Ubuntu 24.04 LTS 64-bit" });
  t.is(direct.id, MOCK_VALUES.templateId);
  const viaOutput = exoscale.getTemplateOutput({ zone: pulumi.output("de-fra-1"), name: "Linux Ubuntu 24.04 LTS 64-bit" });
  t.is(await valueOf(viaOutput.apply((r) => r.defaultUser)), "ubuntu");
  const calls = session.invokes.filter((i) => i.token === GET_TEMPLATE.token);
  t.is(calls.length, 2);
  for (const call of calls) {
    t.is(call.version, PLUGIN.version);
    t.is(call.pluginDownloadURL, PLUGIN.downloadURL);
    for (const key of Object.keys(call.inputs)) {
      t.true((GET_TEMPLATE.inputs as readonly string[]).includes(key), `getTemplate input ${key}`);
    }
  }
  t.deepEqual(calls.map((c) => c.inputs.zone).sort(), ["at-vie-1", "de-fra-1"]);
  t.throws(() => exoscale.getTemplateOutput({} as exoscale.GetTemplateOutputArgs), { message: "Missing required property 'zone'" });
});

test("isInstance recognises resources by token", (t) => {
  const group = new exoscale.SecurityGroup("is-instance", {});
  t.true(exoscale.SecurityGroup.isInstance(group));
  t.false(exoscale.Nlb.isInstance(group));
  t.false(exoscale.Nlb.isInstance(undefined));
});

// One entry per field of the binding's type: tsc fails when a field is added, removed or renamed
// there, and the test fails when the type and the schema's field list part ways.
const FIELDS_OF_TYPES: [string, readonly string[], readonly string[]][] = [
  [
    "NlbServiceHealthcheckArgs",
    Object.keys({ interval: 1, mode: 1, port: 1, retries: 1, timeout: 1, tlsSni: 1, uri: 1 } satisfies Record<
      keyof NlbServiceHealthcheckArgs,
      1
    >),
    NLBSERVICEHEALTHCHECK_FIELDS,
  ],
  [
    "NlbServiceHealthcheck",
    Object.keys({ interval: 1, mode: 1, port: 1, retries: 1, timeout: 1, tlsSni: 1, uri: 1 } satisfies Record<
      keyof NlbServiceHealthcheck,
      1
    >),
    NLBSERVICEHEALTHCHECK_FIELDS,
  ],
  [
    "IamRolePolicyArgs",
    Object.keys({ defaultServiceStrategy: 1, services: 1 } satisfies Record<keyof IamRolePolicyArgs, 1>),
    IAMROLEPOLICY_FIELDS,
  ],
  [
    "IamRolePolicyServicesArgs",
    Object.keys({ rules: 1, type: 1 } satisfies Record<keyof IamRolePolicyServicesArgs, 1>),
    IAMROLEPOLICYSERVICES_FIELDS,
  ],
  [
    "IamRolePolicyServicesRuleArgs",
    Object.keys({ action: 1, expression: 1, resources: 1 } satisfies Record<keyof IamRolePolicyServicesRuleArgs, 1>),
    IAMROLEPOLICYSERVICESRULE_FIELDS,
  ],
];
test("the binding's nested input types have exactly the schema's fields", (t) => {
  for (const [name, fields, schema] of FIELDS_OF_TYPES) {
    t.deepEqual([...fields].sort(), [...schema].sort(), name);
  }
});
