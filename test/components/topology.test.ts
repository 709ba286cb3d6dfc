import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { appHealthcheck, LoadBalancer } from "../../components/loadBalancer.js";
import { MonitoringHost } from "../../components/monitoringHost.js";
import { AppPool, instancePoolOptions } from "../../components/pool/appPool.js";
import { renderPoolCloudInit } from "../../contracts/poolCloudInit.js";
import { SERVICE_OPERATIONS, serviceRolePolicy, ServiceCredentials } from "../../components/serviceCredentials.js";
import { SshAccess } from "../../components/sshAccess.js";
import { nestedInputProblems } from "../helpers/pulumiExoscaleSchema.js";
import { installPulumiMocks, MOCK_VALUES, settle, valueOf } from "../helpers/pulumiMocks.js";

const session = installPulumiMocks();
const urn = (r: pulumi.Resource) => r.urn as pulumi.Output<unknown>;

test("the pool's options ignore size, so pulumi up never undoes the autoscaler", (t) => {
  const parent = new pulumi.ComponentResource("test:index:Parent", "options-parent");
  const opts = instancePoolOptions(parent);
  t.deepEqual(opts.ignoreChanges, ["size"]);
  t.is(opts.parent, parent);
});

test("AppPool registers the InstancePool with its key inputs, ignoreChanges and parent", async (t) => {
  const app = new AppPool("app-test", {
    zone: "at-vie-1",
    templateId: "tmpl",
    instanceType: "standard.micro",
    diskSize: 10,
    initialSize: 2,
    securityGroupIds: ["sg-pool"],
    keyPair: "key-name",
  });
  await settle(urn(app.pool));
  const [reg] = session.ofType("exoscale:index/instancePool:InstancePool").filter((r) => r.name === "app-test-pool");
  t.truthy(reg);
  t.deepEqual(reg.ignoreChanges, ["size"], "sent to the engine, not only built");
  t.like(reg.inputs, {
    zone: "at-vie-1",
    templateId: "tmpl",
    instanceType: "standard.micro",
    diskSize: 10,
    size: 2,
    securityGroupIds: ["sg-pool"],
    keyPair: "key-name",
  });
  t.is(reg.inputs.userData, renderPoolCloudInit());
  t.deepEqual(session.parentChain(reg), ["exoscale-autoscaler:pool:AppPool"]);
  t.is(await valueOf(app.poolId), "app-test-pool-id");
});

test("the NLB health check is HTTP /health on 8080 and inside the API's limits", (t) => {
  const hc = appHealthcheck();
  t.deepEqual(hc, { port: 8080, mode: "http", uri: "/health", interval: 5, timeout: 3, retries: 1 });
  t.true(hc.interval >= 5 && hc.interval <= 300);
  t.true(hc.timeout >= 2 && hc.timeout <= 60 && hc.timeout <= hc.interval);
  t.true(hc.retries >= 1 && hc.retries <= 20);
});

test("LoadBalancer forwards 80 to 8080 round-robin on the pool and exposes http://<ip>/", async (t) => {
  const lb = new LoadBalancer("lb-test", { zone: "at-vie-1", instancePoolId: "pool-id" });
  await settle(urn(lb.service));
  const [nlb] = session.ofType("exoscale:index/nlb:Nlb").filter((r) => r.name === "lb-test-nlb");
  const [service] = session.ofType("exoscale:index/nlbService:NlbService").filter((r) => r.name === "lb-test-http");
  t.is(nlb.inputs.zone, "at-vie-1");
  t.like(service.inputs, {
    zone: "at-vie-1",
    nlbId: "lb-test-nlb-id",
    instancePoolId: "pool-id",
    port: 80,
    targetPort: 8080,
    protocol: "tcp",
    strategy: "round-robin",
  });
  t.deepEqual(service.inputs.healthchecks, [{ port: 8080, mode: "http", uri: "/health", interval: 5, timeout: 3, retries: 1 }]);
  t.deepEqual(nestedInputProblems(service.type, service.inputs), [], "health check field names are the schema's");
  t.is(await valueOf(lb.url), `http://${MOCK_VALUES.nlbIp}/`);
  for (const reg of [nlb, service]) {
    t.deepEqual(session.parentChain(reg), ["exoscale-autoscaler:network:LoadBalancer"]);
  }
});

test("SshAccess generates an ed25519 key when none is given and keeps the private key secret", async (t) => {
  const access = new SshAccess("ssh-generated", {});
  await settle(urn(access.key));
  const [generated] = session.ofType("tls:index/privateKey:PrivateKey").filter((r) => r.name === "ssh-generated-generated");
  t.is(generated.inputs.algorithm, "ED25519");
  const [key] = session.ofType("exoscale:index/sshKey:SshKey").filter((r) => r.name === "ssh-generated-key");
  t.is(key.inputs.publicKey, MOCK_VALUES.generatedPublicKey);
  t.truthy(access.privateKey);
  t.true(await pulumi.isSecret(access.privateKey as pulumi.Output<string>));
  t.is(await valueOf(access.privateKey), MOCK_VALUES.generatedPrivateKey);
});

test("SshAccess registers the user's own public key and generates nothing", async (t) => {
  const mine = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUserKey user@laptop";
  const access = new SshAccess("ssh-user", { publicKey: mine });
  await settle(urn(access.key));
  t.is(access.privateKey, undefined);
  t.is(session.ofType("tls:index/privateKey:PrivateKey").filter((r) => r.name.startsWith("ssh-user")).length, 0);
  const [key] = session.ofType("exoscale:index/sshKey:SshKey").filter((r) => r.name === "ssh-user-key");
  t.is(key.inputs.publicKey, mine);
});

test("the service role denies by default and allows exactly the services' compute operations", async (t) => {
  const expected = {
    defaultServiceStrategy: "deny",
    services: {
      compute: {
        type: "rules",
        rules: [
          {
            action: "allow",
            expression:
              "operation in ['get-instance-pool', 'list-instances', 'scale-instance-pool', 'evict-instance-pool-members', 'get-operation']",
          },
        ],
      },
    },
  };
  t.deepEqual(serviceRolePolicy(), expected);
  t.is(SERVICE_OPERATIONS.length, 5);

  const creds = new ServiceCredentials("iam-test", {});
  await settle(urn(creds.apiKey));
  const [role] = session.ofType("exoscale:index/iamRole:IamRole").filter((r) => r.name === "iam-test-role");
  t.deepEqual(role.inputs.policy, expected);
  t.deepEqual(nestedInputProblems(role.type, role.inputs), [], "policy, services and rules use the schema's field names");
  const [key] = session.ofType("exoscale:index/iamApiKey:IamApiKey").filter((r) => r.name === "iam-test-key");
  t.is(key.inputs.roleId, "iam-test-role-id");
  t.true(await pulumi.isSecret(creds.secret));
  t.true(await pulumi.isSecret(creds.key));
  t.is(await valueOf(creds.secret), MOCK_VALUES.apiSecret);
});

test("MonitoringHost is a ComputeInstance with its group and SSH key, exposing IP and login user", async (t) => {
  const host = new MonitoringHost("mon-test", {
    zone: "at-vie-1",
    templateId: "tmpl",
    sshUser: "ubuntu",
    instanceType: "standard.small",
    diskSize: 20,
    securityGroupIds: ["sg-mon"],
    sshKeyName: "key-name",
  });
  await settle(urn(host.instance));
  const [vm] = session.ofType("exoscale:index/computeInstance:ComputeInstance").filter((r) => r.name === "mon-test-vm");
  t.like(vm.inputs, { zone: "at-vie-1", templateId: "tmpl", type: "standard.small", diskSize: 20 });
  t.deepEqual(vm.inputs.securityGroupIds, ["sg-mon"]);
  t.deepEqual(vm.inputs.sshKeys, ["key-name"]);
  t.is(await valueOf(host.publicIp), MOCK_VALUES.monitoringIp);
  t.is(await valueOf(host.sshUser), "ubuntu");
  t.deepEqual(session.parentChain(vm), ["exoscale-autoscaler:monitoring:MonitoringHost"]);
});

test("the nested-field check catches a misspelt health check or policy field", (t) => {
  t.deepEqual(
    nestedInputProblems("exoscale:index/nlbService:NlbService", { healthchecks: [{ port: 8080, url: "/health" }, { mode: "http" }] }),
    [
      "healthchecks[0].url is not a schema field (expected one of interval, mode, port, retries, timeout, tlsSni, uri)",
      "healthchecks[1].port is required",
    ],
  );
  t.deepEqual(
    nestedInputProblems("exoscale:index/iamRole:IamRole", {
      policy: {
        defaultStrategy: "deny",
        services: { compute: { type: "rules", rule: [], rules: [{ action: "allow", expr: "true" }] } },
      },
    }),
    [
      "policy.defaultStrategy is not a schema field (expected one of defaultServiceStrategy, services)",
      "policy.services.compute.rule is not a schema field (expected one of rules, type)",
      "policy.services.compute.rules[0].expr is not a schema field (expected one of action, expression, resources)",
    ],
  );
  t.deepEqual(nestedInputProblems("exoscale:index/nlbService:NlbService", { healthchecks: "nope" }), ["healthchecks is not a list"]);
});
