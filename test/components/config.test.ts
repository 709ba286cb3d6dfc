import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { adminCidrWarning, ConfigValidationError, DEFAULTS, loadConfig, parseSettings, type RawSettings } from "../../components/config.js";
import { isCidr, isOpenToWorld } from "../../components/network/cidr.js";
import { installPulumiMocks, PROJECT, valueOf } from "../helpers/pulumiMocks.js";

installPulumiMocks();

function problemsOf(raw: RawSettings): readonly string[] {
  try {
    parseSettings(raw);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

test("an empty configuration yields the documented defaults", (t) => {
  const settings = parseSettings({});
  t.deepEqual(settings, {
    zone: "at-vie-1",
    pool: { instanceType: "standard.micro", diskSize: 10, initialSize: 1, minSize: 1, maxSize: 10 },
    scaling: { scaleUpCpuPercent: 80, scaleDownCpuPercent: 20 },
    adminCidrs: ["0.0.0.0/0"],
    sshPublicKey: undefined,
    monitoring: { instanceType: DEFAULTS.monitoringInstanceType, diskSize: DEFAULTS.monitoringDiskSize },
    templateName: "Linux Ubuntu 24.04 LTS 64-bit",
    grafanaVersion: "12.4.0",
  });
});

test("values set by the user are parsed and typed", (t) => {
  const settings = parseSettings({
    zone: "de-fra-1",
    poolInstanceType: "standard.small",
    poolDiskSize: "20",
    poolInitialSize: "2",
    poolMinSize: "2",
    poolMaxSize: "4",
    scaleUpCpuPercent: "70",
    scaleDownCpuPercent: "30",
    adminCidrs: '["203.0.113.7/32", "2001:db8::/32"]',
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey me@laptop",
  });
  t.is(settings.zone, "de-fra-1");
  t.deepEqual(settings.pool, { instanceType: "standard.small", diskSize: 20, initialSize: 2, minSize: 2, maxSize: 4 });
  t.deepEqual(settings.scaling, { scaleUpCpuPercent: 70, scaleDownCpuPercent: 30 });
  t.deepEqual(settings.adminCidrs, ["203.0.113.7/32", "2001:db8::/32"]);
  t.is(settings.sshPublicKey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey me@laptop");
});

test("admin_cidrs also accepts a comma-separated list, trimmed and de-duplicated", (t) => {
  t.deepEqual(parseSettings({ adminCidrs: "198.51.100.0/24, 203.0.113.7/32,198.51.100.0/24" }).adminCidrs, [
    "198.51.100.0/24",
    "203.0.113.7/32",
  ]);
});

const SINGLE_PROBLEMS: { title: string; raw: RawSettings; mentions: RegExp }[] = [
  {
    title: "min > max",
    raw: { poolMinSize: "5", poolMaxSize: "3", poolInitialSize: "4" },
    mentions: /pool_min_size \(5\) must not exceed pool_max_size \(3\)/,
  },
  {
    title: "initial below min",
    raw: { poolMinSize: "2", poolInitialSize: "1" },
    mentions: /pool_initial_size \(1\) must be within .*\[2, 10\]/,
  },
  {
    title: "initial above max",
    raw: { poolMaxSize: "3", poolInitialSize: "4" },
    mentions: /pool_initial_size \(4\) must be within .*\[1, 3\]/,
  },
  {
    title: "down >= up",
    raw: { scaleDownCpuPercent: "80", scaleUpCpuPercent: "80" },
    mentions: /0 < scale_down_cpu_percent < scale_up_cpu_percent < 100.*down=80, up=80/,
  },
  { title: "up >= 100", raw: { scaleUpCpuPercent: "100" }, mentions: /up=100/ },
  { title: "down <= 0", raw: { scaleDownCpuPercent: "0" }, mentions: /down=0/ },
  { title: "unknown zone", raw: { zone: "us-east-1" }, mentions: /zone "us-east-1" is not an Exoscale zone .*at-vie-1/ },
  { title: "malformed CIDR", raw: { adminCidrs: '["10.0.0.0/33"]' }, mentions: /admin_cidrs entry "10.0.0.0\/33" is not a CIDR/ },
  { title: "address without prefix", raw: { adminCidrs: "203.0.113.7" }, mentions: /"203.0.113.7" is not a CIDR/ },
  { title: "admin_cidrs not JSON", raw: { adminCidrs: '["10.0.0.0/8"' }, mentions: /admin_cidrs is not a valid JSON array/ },
  { title: "admin_cidrs empty", raw: { adminCidrs: "[]" }, mentions: /admin_cidrs must name at least one network/ },
  { title: "non-numeric size", raw: { poolMaxSize: "ten" }, mentions: /pool_max_size must be a whole number, got "ten"/ },
  { title: "min below 1", raw: { poolMinSize: "0", poolInitialSize: "1" }, mentions: /pool_min_size must be at least 1/ },
  { title: "disk too small", raw: { poolDiskSize: "5" }, mentions: /pool_disk_size must be at least 10 GiB/ },
  { title: "disk too large", raw: { monitoringDiskSize: "60000" }, mentions: /monitoring_disk_size must be at most 51200 GiB, got 60000/ },
  {
    title: "instance type shape",
    raw: { monitoringInstanceType: "large" },
    mentions: /monitoring_instance_type must look like <family>.<size>/,
  },
  {
    title: "instance type with something before it",
    raw: { poolInstanceType: "my standard.micro" },
    mentions: /pool_instance_type must look like <family>.<size> \(e.g. standard.micro\), got "my standard.micro"/,
  },
  {
    title: "instance type with something after it",
    raw: { poolInstanceType: "standard.micro extra" },
    mentions: /pool_instance_type must look like <family>.<size> \(e.g. standard.micro\), got "standard.micro extra"/,
  },
  {
    title: "instance type with a stray character",
    raw: { monitoringInstanceType: "xstandard.micro!" },
    mentions: /got "xstandard.micro!"/,
  },
  {
    title: "disk one below the minimum",
    raw: { monitoringDiskSize: "9" },
    mentions: /monitoring_disk_size must be at least 10 GiB, got 9/,
  },
  { title: "disk one above the maximum", raw: { poolDiskSize: "51201" }, mentions: /pool_disk_size must be at most 51200 GiB, got 51201/ },
  {
    title: "not a public key",
    raw: { sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" },
    mentions: /ssh_public_key must be one OpenSSH public key line/,
  },
];

for (const { title, raw, mentions } of SINGLE_PROBLEMS) {
  test(`config validation rejects: ${title}`, (t) => {
    const problems = problemsOf(raw);
    t.is(problems.length, 1, problems.join("\n"));
    t.regex(problems[0], mentions);
  });
}

test("values exactly at a limit are accepted: min = max = initial, disk sizes at both ends, thresholds one apart", (t) => {
  t.deepEqual(parseSettings({ poolMinSize: "3", poolMaxSize: "3", poolInitialSize: "3" }).pool, {
    instanceType: "standard.micro",
    diskSize: 10,
    initialSize: 3,
    minSize: 3,
    maxSize: 3,
  });
  t.is(parseSettings({ poolMinSize: "1", poolMaxSize: "1" }).pool.maxSize, 1, "the smallest allowed pool");
  t.is(parseSettings({ poolMinSize: "2", poolInitialSize: "2", poolMaxSize: "5" }).pool.initialSize, 2, "initial at min");
  t.is(parseSettings({ poolMinSize: "2", poolInitialSize: "5", poolMaxSize: "5" }).pool.initialSize, 5, "initial at max");
  t.is(parseSettings({ poolDiskSize: "10" }).pool.diskSize, 10, "explicit value equal to the minimum");
  t.is(parseSettings({ poolDiskSize: "51200" }).pool.diskSize, 51200, "explicit value equal to the maximum");
  t.is(parseSettings({ monitoringDiskSize: "10" }).monitoring.diskSize, 10);
  t.is(parseSettings({ monitoringDiskSize: "51200" }).monitoring.diskSize, 51200);
  t.deepEqual(parseSettings({ scaleDownCpuPercent: "79", scaleUpCpuPercent: "80" }).scaling, {
    scaleUpCpuPercent: 80,
    scaleDownCpuPercent: 79,
  });
  t.deepEqual(parseSettings({ scaleDownCpuPercent: "1", scaleUpCpuPercent: "99" }).scaling, {
    scaleUpCpuPercent: 99,
    scaleDownCpuPercent: 1,
  });
  t.is(parseSettings({ poolInstanceType: "gpu3.huge" }).pool.instanceType, "gpu3.huge");
});

test("one error lists every problem at once, without a stack trace for the user", (t) => {
  const error = t.throws(
    () =>
      parseSettings({
        zone: "mars-1",
        poolMinSize: "6",
        poolMaxSize: "4",
        poolInitialSize: "9",
        scaleUpCpuPercent: "10",
        scaleDownCpuPercent: "50",
        adminCidrs: '["0.0.0.0/0", "300.1.1.1/32"]',
      }),
    { instanceOf: ConfigValidationError },
  );
  t.is(error.problems.length, 4, error.message);
  t.true(pulumi.RunError.isInstance(error), "RunError: Pulumi prints the message without a stack trace");
  t.regex(error.message, /^Invalid stack configuration \(4 problems\):/);
  for (const needle of ["mars-1", "pool_min_size (6) must not exceed", "down=50, up=10", "300.1.1.1/32"]) {
    t.true(error.message.includes(needle), `message mentions ${needle}`);
  }
  // With a valid range, an initial size outside it is listed along with the rest.
  const second = t.throws(() => parseSettings({ poolInitialSize: "9", poolMaxSize: "4", zone: "mars-1" }), {
    instanceOf: ConfigValidationError,
  });
  t.deepEqual(second.problems.length, 2);
  t.regex(second.message, /pool_initial_size \(9\) must be within/);
});

const CIDRS: [string, boolean][] = [
  ["0.0.0.0/0", true],
  ["203.0.113.7/32", true],
  ["10.0.0.0/8", true],
  ["2001:db8::/32", true],
  ["::/0", true],
  ["10.0.0.0/33", false],
  ["256.0.0.0/8", false],
  ["10.0.0/8", false],
  ["10.0.0.0", false],
  ["10.0.0.0/", false],
  ["10.0.0.0/-1", false],
  ["2001:db8::/129", false],
  ["example.com/32", false],
  ["", false],
  // The provider (Go's validation.IsCIDRNetwork) wants the network in its canonical form only.
  ["fe80::/64", true],
  ["::1/128", true],
  ["1:0:2:3:4:5:6:7/128", true],
  ["1:0:0:2::3/128", true],
  ["2001:db8::1:0:0:1/128", true],
  ["203.0.113.7/24", false],
  ["10.0.0.1/8", false],
  ["2001:DB8::/32", false],
  ["2001:0db8::/32", false],
  ["2001:db8:0:0:0:0:0:0/32", false],
  ["2001:db8::1/32", false],
  ["fe80::1%eth0/64", false],
  ["fe80::%eth0/64", false],
  ["0.0.0.0/00", false],
  ["10.0.0.0/08", false],
  ["0::/0", false],
  ["1::2:3:4:5:6:7/128", false],
  ["1::2:0:0:0:3/128", false],
  ["2001:db8:0:0:1::1/128", false],
  ["::ffff:203.0.113.7/128", false],
  ["01.2.3.4/32", false],
  [" 10.0.0.0/8", false],
];
test("isCidr accepts exactly the networks the provider accepts, in canonical form", (t) => {
  for (const [cidr, expected] of CIDRS) {
    t.is(isCidr(cidr), expected, cidr);
  }
});

const CANONICAL_SUGGESTIONS: [string, RegExp][] = [
  ["203.0.113.7/24", /did you mean 203\.0\.113\.0\/24 \(the whole network\) or 203\.0\.113\.7\/32 \(only that address\)\?/],
  ["2001:DB8::/32", /did you mean 2001:db8::\/32\?$/],
  ["fe80::1%eth0/64", /did you mean fe80::\/64 \(the whole network\) or fe80::1\/128/],
  ["0.0.0.0/00", /did you mean 0\.0\.0\.0\/0\?$/],
  ["2001:0db8:0000:0000:0000:0000:0000:0001/128", /did you mean 2001:db8::1\/128\?$/],
  ["::ffff:203.0.113.7/128", /did you mean 203\.0\.113\.7\/32\?$/],
];
for (const [cidr, suggestion] of CANONICAL_SUGGESTIONS) {
  test(`config validation names the canonical network for ${cidr}`, (t) => {
    const problems = problemsOf({ adminCidrs: JSON.stringify([cidr]) });
    t.is(problems.length, 1, problems.join("\n"));
    t.true(problems[0].startsWith(`admin_cidrs entry "${cidr}" is not a CIDR network in canonical form`), problems[0]);
    t.regex(problems[0], suggestion);
  });
}

test("the admin warning appears exactly when admin ports are open to the world", (t) => {
  t.regex(adminCidrWarning(["0.0.0.0/0"]) ?? "", /whole Internet.*Narrow it/);
  t.truthy(adminCidrWarning(["203.0.113.7/32", "::/0"]));
  t.is(adminCidrWarning(["203.0.113.7/32"]), undefined);
  t.is(adminCidrWarning(["2001:db8::/32", "10.0.0.0/8"]), undefined);
});

test("any prefix length of 0 is open to the world, however it is spelled", (t) => {
  for (const cidr of ["0.0.0.0/0", "::/0", "0.0.0.0/00", "0::/0", "0:0:0:0:0:0:0:0/0", "203.0.113.7/0"]) {
    t.true(isOpenToWorld(cidr), cidr);
  }
  for (const cidr of ["0.0.0.0/1", "::/1", "128.0.0.0/1", "203.0.113.7/32", "not-a-cidr"]) {
    t.false(isOpenToWorld(cidr), cidr);
  }
});

test.serial("loadConfig reports missing credentials together with other problems", (t) => {
  pulumi.runtime.setAllConfig({ [`${PROJECT}:pool_max_size`]: "0" });
  const error = t.throws(() => loadConfig(new pulumi.Config()), { instanceOf: ConfigValidationError });
  t.is(error.problems.length, 3, error.message);
  t.regex(error.message, /exoscale_key is required: pulumi config set exoscale_key/);
  t.regex(error.message, /exoscale_secret is required: pulumi config set --secret exoscale_secret/);
  t.regex(error.message, /pool_min_size \(1\) must not exceed pool_max_size \(0\)/);
});

test.serial("loadConfig refuses a blank or whitespace-only key and secret like missing ones", (t) => {
  for (const blank of ["", "   ", " \t\n "]) {
    pulumi.runtime.setAllConfig({ [`${PROJECT}:exoscale_key`]: blank, [`${PROJECT}:exoscale_secret`]: blank }, [
      `${PROJECT}:exoscale_secret`,
    ]);
    const error = t.throws(() => loadConfig(new pulumi.Config()), { instanceOf: ConfigValidationError });
    t.deepEqual(
      error.problems,
      [
        "exoscale_key is required: pulumi config set exoscale_key EXO…",
        "exoscale_secret is required: pulumi config set --secret exoscale_secret …",
      ],
      JSON.stringify(blank),
    );
  }
  // Each is checked on its own: a good key does not excuse a blank secret.
  pulumi.runtime.setAllConfig({ [`${PROJECT}:exoscale_key`]: "EXOuserkey", [`${PROJECT}:exoscale_secret`]: "  " }, [
    `${PROJECT}:exoscale_secret`,
  ]);
  const secretOnly = t.throws(() => loadConfig(new pulumi.Config()), { instanceOf: ConfigValidationError });
  t.deepEqual(secretOnly.problems, ["exoscale_secret is required: pulumi config set --secret exoscale_secret …"]);
});

test.serial("loadConfig trims the key and the secret, and the secret stays a secret", async (t) => {
  pulumi.runtime.setAllConfig({ [`${PROJECT}:exoscale_key`]: " EXOuserkey\n", [`${PROJECT}:exoscale_secret`]: " user-secret\n" }, [
    `${PROJECT}:exoscale_secret`,
  ]);
  const { credentials } = loadConfig(new pulumi.Config());
  t.is(credentials.key, "EXOuserkey");
  t.true(await pulumi.isSecret(credentials.secret));
  t.is(await valueOf(credentials.secret), "user-secret");
});

test.serial("loadConfig returns typed settings and keeps the secret a secret", async (t) => {
  pulumi.runtime.setAllConfig(
    {
      [`${PROJECT}:exoscale_key`]: "EXOuserkey",
      [`${PROJECT}:exoscale_secret`]: "user-secret",
      [`${PROJECT}:zone`]: "ch-gva-2",
      [`${PROJECT}:admin_cidrs`]: JSON.stringify(["198.51.100.0/24"]),
      [`${PROJECT}:pool_max_size`]: "3",
    },
    [`${PROJECT}:exoscale_secret`],
  );
  const { settings, credentials } = loadConfig(new pulumi.Config());
  t.is(settings.zone, "ch-gva-2");
  t.is(settings.pool.maxSize, 3);
  t.deepEqual(settings.adminCidrs, ["198.51.100.0/24"]);
  t.is(credentials.key, "EXOuserkey");
  t.true(await pulumi.isSecret(credentials.secret));
});

test("grafana_version takes a 12.x or 13.x version and refuses anything else, naming the key", (t) => {
  t.is(parseSettings({ grafanaVersion: "12.3" }).grafanaVersion, "12.3");
  t.is(parseSettings({ grafanaVersion: " 13.0.1 " }).grafanaVersion, "13.0.1");
  for (const bad of ["11.6.0", "14.0.0", "latest", "12", "12.4.0-beta1", "12.4.0; rm -rf /"]) {
    t.true(
      problemsOf({ grafanaVersion: bad }).some((p) => p.startsWith("grafana_version must be a Grafana 12.x or 13.x version")),
      bad,
    );
  }
});

test.serial("loadConfig: ssh_public_key needs ssh_private_key (a clear error naming it), and the private key alone is refused", (t) => {
  const base = { [`${PROJECT}:exoscale_key`]: "EXOuserkey", [`${PROJECT}:exoscale_secret`]: "s3cret" };
  const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey me@laptop";
  pulumi.runtime.setAllConfig({ ...base, [`${PROJECT}:ssh_public_key`]: publicKey }, [`${PROJECT}:exoscale_secret`]);
  const missing = t.throws(() => loadConfig(new pulumi.Config()), { instanceOf: ConfigValidationError });
  t.deepEqual(missing.problems.length, 1);
  t.regex(
    missing.problems[0] ?? "",
    /^ssh_private_key is required when ssh_public_key is set .*pulumi config set --secret ssh_private_key/,
  );
  pulumi.runtime.setAllConfig({ ...base, [`${PROJECT}:ssh_private_key`]: "-----BEGIN OPENSSH PRIVATE KEY-----" }, [
    `${PROJECT}:exoscale_secret`,
    `${PROJECT}:ssh_private_key`,
  ]);
  const alone = t.throws(() => loadConfig(new pulumi.Config()), { instanceOf: ConfigValidationError });
  t.regex(alone.problems[0] ?? "", /ssh_private_key is set but ssh_public_key is not/);
});

test.serial("loadConfig: with both halves of the user's key, the private key is handed on as a secret", async (t) => {
  pulumi.runtime.setAllConfig(
    {
      [`${PROJECT}:exoscale_key`]: "EXOuserkey",
      [`${PROJECT}:exoscale_secret`]: "s3cret",
      [`${PROJECT}:ssh_public_key`]: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey me@laptop",
      [`${PROJECT}:ssh_private_key`]: "PRIVATE",
    },
    [`${PROJECT}:exoscale_secret`, `${PROJECT}:ssh_private_key`],
  );
  const loaded = loadConfig(new pulumi.Config());
  t.truthy(loaded.sshPrivateKey);
  t.is(await valueOf(loaded.sshPrivateKey!), "PRIVATE");
  t.true(await pulumi.isSecret(loaded.sshPrivateKey!));
});
