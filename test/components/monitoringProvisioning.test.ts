/**
 * The monitoring host's provisioning as the mocked Pulumi graph holds it: what is copied (all three
 * bundles, with content-hash triggers), the order the commands run in, which command a changed file
 * re-runs, that no secret reaches a non-secret input, and every shipped script through shellcheck as it
 * stands in the graph.
 */
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "node:child_process";
import { MonitoringProvisioning } from "../../components/monitoringProvisioning.js";
import { HOST_LAYOUT, stagedPath, STAGED } from "../../contracts/hostLayout.js";
import { fakeBundles } from "../helpers/bundles.js";
import { installPulumiMocks, MOCK_VALUES, settle, type Registration } from "../helpers/pulumiMocks.js";
import { requireTool } from "../helpers/tools.js";

const session = installPulumiMocks();

const SECRETS = {
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nmock-user-key\n-----END OPENSSH PRIVATE KEY-----\n",
  serviceKey: "EXOserviceKeyForTheTest0001",
  serviceSecret: "service-secret-that-must-stay-secret",
};

const COMMAND = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";

interface Graph {
  regs: Registration[];
  component: MonitoringProvisioning;
}

async function build(
  name: string,
  tag = "v1",
  bundleTags: Partial<Record<"sd-agent" | "scaler" | "grafana-provisioner", string>> = {},
): Promise<Graph> {
  const before = session.registrations.length;
  const bundles = fakeBundles(tag);
  for (const [bundle, override] of Object.entries(bundleTags)) {
    const key = bundle as keyof typeof bundles;
    bundles[key] = { ...bundles[key], sha256: `sha-${bundle}-${override}` };
  }
  const component = new MonitoringProvisioning(name, {
    host: "203.0.113.20",
    sshUser: "ubuntu",
    sshPrivateKey: pulumi.secret(SECRETS.privateKey),
    zone: "at-vie-1",
    poolId: "pool-id-1",
    serviceKey: pulumi.secret(SECRETS.serviceKey),
    serviceSecret: pulumi.secret(SECRETS.serviceSecret),
    scaling: { minSize: 2, maxSize: 7, scaleUpCpuPercent: 75, scaleDownCpuPercent: 25 },
    grafanaVersion: "12.4.0",
    bundles,
  });
  await settle(component.provisioned.urn, component.grafanaAdminPassword, component.webhookToken);
  return { regs: session.registrations.slice(before), component };
}

let graph: Graph;
test.before(async () => {
  graph = await build("prov");
});

const commands = (g: Graph) => g.regs.filter((r) => r.type === COMMAND);
const copies = (g: Graph) => g.regs.filter((r) => r.type === COPY);
const step = (g: Graph, suffix: string): Registration => {
  const found = g.regs.find((r) => r.type === COMMAND && r.name.endsWith(`-${suffix}`));
  if (found === undefined) throw new Error(`no command ${suffix}`);
  return found;
};
const copyOf = (g: Graph, file: string): Registration => {
  const found = copies(g).find((r) => r.inputs["remotePath"] === stagedPath(file));
  if (found === undefined) throw new Error(`no copy of ${file}`);
  return found;
};

/** Everything a registration depends on, directly or through others. */
function ancestors(g: Graph, reg: Registration): Set<string> {
  const seen = new Set<string>();
  const stack = [...reg.dependencies];
  while (stack.length > 0) {
    const urn = stack.pop()!;
    if (seen.has(urn)) continue;
    seen.add(urn);
    const dep = g.regs.find((r) => r.urn === urn);
    if (dep) stack.push(...dep.dependencies);
  }
  return seen;
}

test("all three bundles are copied as files with their content hash as the trigger", (t) => {
  for (const bundle of ["sd-agent", "scaler", "grafana-provisioner"] as const) {
    const copy = copyOf(graph, STAGED.bundle(bundle));
    const source = copy.inputs["source"] as { path?: unknown };
    t.true(source instanceof pulumi.asset.FileAsset, `${bundle} is a FileAsset`);
    t.deepEqual(copy.inputs["triggers"], [`sha-${bundle}-v1`], bundle);
  }
});

test("the commands run in order: boot → install → prepare → copies → services → Prometheus and Grafana → provisioning", (t) => {
  const urnOf = (suffix: string) => step(graph, suffix).urn;
  const before = (later: string, earlier: string) =>
    t.true(ancestors(graph, step(graph, later)).has(urnOf(earlier)), `${earlier} before ${later}`);
  before("install", "boot");
  before("prepare", "install");
  for (const copy of copies(graph)) t.true(ancestors(graph, copy).has(urnOf("prepare")), `${copy.name} after prepare`);
  for (const service of ["sd-agent", "scaler", "prometheus", "grafana"]) before(service, "install");
  before("prometheus", "sd-agent");
  for (const earlier of ["grafana", "prometheus", "scaler", "sd-agent"]) before("provision-grafana", earlier);
  // Each service starts after the copies of its own files.
  const sdAgent = ancestors(graph, step(graph, "sd-agent"));
  for (const file of [STAGED.bundle("sd-agent"), STAGED.unit("sdAgent"), STAGED.env("sdAgent")]) {
    t.true(sdAgent.has(copyOf(graph, file).urn), `sd-agent after the copy of ${file}`);
  }
  t.is(graph.component.commands.at(-1), graph.component.provisioned);
});

test("a changed bundle re-runs only its own copy and its own service's command", async (t) => {
  const changed = await build("prov2", "v1", { scaler: "v2" });
  const triggersOf = (g: Graph) =>
    Object.fromEntries([...commands(g), ...copies(g)].map((r) => [r.name.replace(/^prov2?-/, ""), JSON.stringify(r.inputs["triggers"])]));
  const a = triggersOf(graph);
  const b = triggersOf(changed);
  const differing = Object.keys(a).filter((k) => a[k] !== b[k]);
  t.deepEqual(differing.sort(), [`copy-${STAGED.bundle("scaler")}`, "scaler"].sort());
});

/** An input as text, with the content of text assets (JSON shows them as {}). */
async function inputText(value: unknown): Promise<string> {
  if (value instanceof pulumi.asset.StringAsset) return String(await value.text);
  if (value instanceof pulumi.asset.FileAsset) return String(await value.path);
  return JSON.stringify(value) ?? "";
}

test("no secret appears in any non-secret input, and the env files and connection are secret", async (t) => {
  const secrets = [
    SECRETS.privateKey,
    SECRETS.serviceKey,
    SECRETS.serviceSecret,
    MOCK_VALUES.randomPassword("grafana-admin"),
    MOCK_VALUES.randomPassword("webhook-token"),
  ];
  for (const reg of graph.regs) {
    for (const [input, value] of Object.entries(reg.inputs)) {
      if (reg.secretInputs.includes(input)) continue;
      const text = await inputText(value);
      for (const secret of secrets) t.false(text.includes(secret), `${reg.name}.${input} carries a secret in plain text`);
    }
  }
  for (const reg of [...commands(graph), ...copies(graph)]) t.true(reg.secretInputs.includes("connection"), `${reg.name}.connection`);
  for (const file of [STAGED.env("sdAgent"), STAGED.env("scaler"), STAGED.env("grafanaProvisioner"), STAGED.grafanaEnv]) {
    t.true(copyOf(graph, file).secretInputs.includes("source"), `${file} is staged as a secret`);
  }
});

test("the generated password and token are secret outputs", async (t) => {
  t.true(await pulumi.isSecret(graph.component.grafanaAdminPassword));
  t.true(await pulumi.isSecret(graph.component.webhookToken));
});

test("the scaler and the provisioner share the webhook token; the stack's bounds and thresholds reach them", async (t) => {
  const text = async (file: string) => (await (copyOf(graph, file).inputs["source"] as pulumi.asset.StringAsset).text) as string;
  const scaler = await text(STAGED.env("scaler"));
  const provisioner = await text(STAGED.env("grafanaProvisioner"));
  const token = MOCK_VALUES.randomPassword("webhook-token");
  t.regex(scaler, new RegExp(`^WEBHOOK_TOKEN="?${token}"?$`, "m"));
  t.regex(provisioner, new RegExp(`^WEBHOOK_TOKEN="?${token}"?$`, "m"));
  t.regex(scaler, /^MIN_SIZE="?2"?$/m);
  t.regex(scaler, /^MAX_SIZE="?7"?$/m);
  t.regex(scaler, /^SCALE_UP_CPU="?75"?$/m);
  t.regex(scaler, /^LISTEN_HOST="?127\.0\.0\.1"?$/m);
  t.regex(scaler, new RegExp(`^STATE_FILE="?${HOST_LAYOUT.scalerStateFile}"?$`, "m"));
  t.regex(provisioner, /^SCALE_UP_CPU="?75"?$/m);
  t.regex(provisioner, /^SCALE_DOWN_CPU="?25"?$/m);
  t.regex(provisioner, new RegExp(`^GRAFANA_PASSWORD="?${MOCK_VALUES.randomPassword("grafana-admin")}"?$`, "m"));
  t.regex(
    await text(STAGED.grafanaEnv),
    new RegExp(`^GF_SECURITY_ADMIN_PASSWORD="?${MOCK_VALUES.randomPassword("grafana-admin")}"?$`, "m"),
  );
});

test("every shipped script passes shellcheck exactly as the graph holds it", async (t) => {
  if (!(await requireTool(t, "shellcheck"))) return;
  for (const reg of commands(graph)) {
    const create = String(reg.inputs["create"]);
    // The wrapper (sudo bash reading a quoted here-document), and the script inside it, which shellcheck
    // would otherwise see only as text.
    const wrapped = /^sudo bash -s <<'(\w+)'\n([\s\S]*)\n\1$/.exec(create);
    t.truthy(wrapped, `${reg.name} runs one here-document through sudo bash`);
    for (const [what, text] of [
      ["wrapper", create],
      ["script", wrapped?.[2] ?? ""],
    ] as const) {
      const result = spawnSync("shellcheck", ["-s", "bash", "-"], { input: text, encoding: "utf8" });
      t.is(result.status, 0, `${reg.name} ${what}: ${result.stdout}`);
    }
    t.regex(wrapped?.[2] ?? "", /^set -euo pipefail$/m, `${reg.name} stops at the first failure`);
  }
});
