import test from "ava";
import { access, readFile } from "node:fs/promises";
import { parse } from "yaml";
import { CONFIG_KEYS, DEFAULTS, parseSettings, type RawSettings } from "../../components/config.js";

interface ConfigType {
  type: string;
  default?: unknown;
  secret?: boolean;
  items?: { type: string };
  description?: string;
}
interface ProjectFile {
  name: string;
  runtime: { name: string; options?: Record<string, unknown> };
  main?: string;
  config: Record<string, ConfigType>;
}

const readYaml = async <T>(path: string): Promise<T> => parse(await readFile(path, "utf8")) as T;

test("Pulumi.yaml runs index.ts as ESM through tsx under the nodejs runtime", async (t) => {
  const project = await readYaml<ProjectFile>("Pulumi.yaml");
  const pkg = JSON.parse(await readFile("package.json", "utf8")) as { type?: string; dependencies?: Record<string, string> };
  t.is(project.name, "exoscale-autoscaler");
  t.is(project.runtime.name, "nodejs");
  t.deepEqual(project.runtime.options, { typescript: false, nodeargs: "--import tsx" });
  t.is(project.main, "index.ts");
  await t.notThrowsAsync(access(project.main ?? ""));
  t.is(pkg.type, "module", "the runtime imports the entry point as ESM");
  t.truthy(pkg.dependencies?.tsx, "tsx must be a runtime dependency for nodeargs --import tsx");
});

test("Pulumi.yaml declares every config key the code reads, with the code's defaults", async (t) => {
  const { config } = await readYaml<ProjectFile>("Pulumi.yaml");
  t.deepEqual(Object.keys(config).sort(), Object.values(CONFIG_KEYS).sort());

  // Credentials are required (no default); the secret must be stored encrypted.
  t.like(config.exoscale_key, { type: "string" });
  t.false("default" in config.exoscale_key);
  t.like(config.exoscale_secret, { type: "string", secret: true });
  t.false("default" in config.exoscale_secret);
  t.like(config.ssh_private_key, { type: "string", secret: true });

  const codeDefaults: Record<string, unknown> = {
    [CONFIG_KEYS.zone]: DEFAULTS.zone,
    [CONFIG_KEYS.poolInstanceType]: DEFAULTS.poolInstanceType,
    [CONFIG_KEYS.poolDiskSize]: DEFAULTS.poolDiskSize,
    [CONFIG_KEYS.poolInitialSize]: DEFAULTS.poolInitialSize,
    [CONFIG_KEYS.poolMinSize]: DEFAULTS.poolMinSize,
    [CONFIG_KEYS.poolMaxSize]: DEFAULTS.poolMaxSize,
    [CONFIG_KEYS.scaleUpCpuPercent]: DEFAULTS.scaleUpCpuPercent,
    [CONFIG_KEYS.scaleDownCpuPercent]: DEFAULTS.scaleDownCpuPercent,
    [CONFIG_KEYS.adminCidrs]: DEFAULTS.adminCidrs,
    [CONFIG_KEYS.sshPublicKey]: "",
    [CONFIG_KEYS.monitoringInstanceType]: DEFAULTS.monitoringInstanceType,
    [CONFIG_KEYS.monitoringDiskSize]: DEFAULTS.monitoringDiskSize,
    [CONFIG_KEYS.templateName]: DEFAULTS.templateName,
    [CONFIG_KEYS.grafanaVersion]: DEFAULTS.grafanaVersion,
    [CONFIG_KEYS.sshPrivateKey]: "",
  };
  for (const [key, expected] of Object.entries(codeDefaults)) {
    t.deepEqual(config[key]?.default, expected, `${key} default`);
    const expectedType = Array.isArray(expected) ? "array" : typeof expected === "number" ? "integer" : "string";
    t.is(config[key]?.type, expectedType, `${key} type`);
    t.truthy(config[key]?.description, `${key} is described`);
  }
  t.deepEqual(config[CONFIG_KEYS.adminCidrs].items, { type: "string" });
});

test("Pulumi.dev.yaml only sets known keys, and its values pass validation", async (t) => {
  // Tolerates what `pulumi config set` adds on a user's machine (credentials, encryption salt).
  const stack = parse(await readFile("Pulumi.dev.yaml", "utf8")) as { config: Record<string, unknown> };
  const prefix = "exoscale-autoscaler:";
  const byKey = new Map<string, string>(Object.entries(CONFIG_KEYS).map(([field, key]) => [key, field]));
  const raw: Record<string, string> = {};
  for (const [fullKey, value] of Object.entries(stack.config)) {
    t.true(fullKey.startsWith(prefix), `${fullKey} is in the project namespace`);
    const key = fullKey.slice(prefix.length);
    const field = byKey.get(key);
    t.truthy(field, `${key} is a known key`);
    if (field === undefined || key === CONFIG_KEYS.exoscaleKey || key === CONFIG_KEYS.exoscaleSecret) {
      continue;
    }
    // The CLI hands non-string values to the program JSON-encoded.
    raw[field] = typeof value === "string" ? value : JSON.stringify(value);
  }
  t.notThrows(() => parseSettings(raw as RawSettings));
});
