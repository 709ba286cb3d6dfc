import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import sinon from "sinon";
import { SecurityGroups } from "../../components/network/securityGroups.js";
import { isCidr } from "../../components/network/cidr.js";
import { cidrSlug, securityRules } from "../../components/network/securityRules.js";
import { installPulumiMocks, settle } from "../helpers/pulumiMocks.js";

const session = installPulumiMocks();

const RULE_TOKEN = "exoscale:index/securityGroupRule:SecurityGroupRule";
const GROUP_TOKEN = "exoscale:index/securityGroup:SecurityGroup";

/** The intended rule set, written out by hand: `group port source`. Nothing else is allowed. */
function expectedRules(adminCidrs: string[]): string[] {
  return [
    "pool 8080 cidr:0.0.0.0/0",
    "pool 9100 group:monitoring",
    ...adminCidrs.flatMap((cidr) => [`monitoring 22 cidr:${cidr}`, `monitoring 9090 cidr:${cidr}`, `monitoring 3000 cidr:${cidr}`]),
  ].sort();
}

test("securityRules() is exactly the least-privilege table (default admin range)", (t) => {
  const actual = securityRules(["0.0.0.0/0"])
    .map((r) => `${r.group} ${r.port} ${"cidr" in r.source ? `cidr:${r.source.cidr}` : `group:${r.source.group}`}`)
    .sort();
  t.deepEqual(actual, expectedRules(["0.0.0.0/0"]));
});

test("securityRules() repeats admin ports per admin network and keeps keys unique", (t) => {
  const admins = ["203.0.113.7/32", "2001:db8::/48"];
  const rules = securityRules(admins);
  const actual = rules
    .map((r) => `${r.group} ${r.port} ${"cidr" in r.source ? `cidr:${r.source.cidr}` : `group:${r.source.group}`}`)
    .sort();
  t.deepEqual(actual, expectedRules(admins));
  const keys = rules.map((r) => `${r.group}-${r.key}`);
  t.is(new Set(keys).size, keys.length);
  t.is(cidrSlug("203.0.113.0/24"), "203-0-113-0-24");
  t.is(cidrSlug("2001:db8::/48"), "2001-db8---48");
});

test("cidrSlug keeps apart IPv6 networks that differ only in where :: sits", (t) => {
  t.not(cidrSlug("a:b::c/128"), cidrSlug("a::b:c/128"));
  const keys = securityRules(["a:b::c/128", "a::b:c/128"]).map((r) => `${r.group}-${r.key}`);
  t.is(new Set(keys).size, keys.length, keys.join(" "));
});

/** Canonical CIDRs built to collide under a lossy encoding: zero runs in every position, both families. */
function canonicalCidrs(): string[] {
  const cidrs = new Set<string>();
  const groups = ["1", "a", "0", "ff"];
  // Every IPv6 address of 8 words drawn from `groups`, written canonically by the same rules Go uses.
  const write = (words: string[]): string => {
    let best = [-1, 0];
    for (let i = 0; i < 8; i++) {
      let j = i;
      while (j < 8 && words[j] === "0") j++;
      if (j - i >= 2 && j - i > best[1]) best = [i, j - i];
    }
    return best[0] < 0 ? words.join(":") : `${words.slice(0, best[0]).join(":")}::${words.slice(best[0] + best[1]).join(":")}`;
  };
  const words = (n: number): string[] => Array.from({ length: 8 }, (_, i) => groups[Math.floor(n / 4 ** i) % 4]);
  for (let n = 0; n < 4 ** 8; n += 7) {
    cidrs.add(`${write(words(n))}/128`);
  }
  for (const prefix of [0, 8, 24, 32]) {
    for (const a of [0, 1, 10, 100]) {
      for (const d of [0, 1, 11, 111]) {
        const address = prefix === 0 ? "0.0.0.0" : `${a}.${prefix === 8 ? 0 : 1}.${prefix === 32 ? d : 0}.${prefix === 32 ? d : 0}`;
        cidrs.add(`${address}/${prefix}`);
      }
    }
  }
  cidrs.add("::/0");
  cidrs.add("1::/16");
  cidrs.add("::1/128");
  return [...cidrs].filter(isCidr);
}

test("cidrSlug is injective on canonical CIDRs", (t) => {
  const cidrs = canonicalCidrs();
  t.true(cidrs.length > 9000, `${cidrs.length} CIDRs`);
  const bySlug = new Map<string, string>();
  for (const cidr of cidrs) {
    const slug = cidrSlug(cidr);
    t.regex(slug, /^[0-9a-f-]+$/, `${cidr} → ${slug} is resource-name safe`);
    const other = bySlug.get(slug);
    if (other !== undefined) {
      t.fail(`${other} and ${cidr} share the name ${slug}`);
      return;
    }
    bySlug.set(slug, cidr);
  }
});

test("securityRules() refuses to give two rules the same name", (t) => {
  t.throws(() => securityRules(["198.51.100.0/24", "198.51.100.0/24"]), {
    message: /"198\.51\.100\.0\/24".*same resource name monitoring-ssh-198-51-100-0-24/,
  });
});

test.serial("SecurityGroups gives every rule its own URN, also for look-alike IPv6 networks", async (t) => {
  const warn = sinon.stub(pulumi.log, "warn");
  t.teardown(() => warn.restore());
  const groups = new SecurityGroups("sg-v6", { adminCidrs: ["a:b::c/128", "a::b:c/128", "2001:db8::/32"] });
  await settle(...groups.rules.map((r) => r.urn as pulumi.Output<unknown>));
  t.is(session.ofType(RULE_TOKEN).filter((r) => r.urn.includes("sg-v6")).length, 2 + 3 * 3);
  t.deepEqual(session.duplicateUrns(), []);
});

test.serial("SecurityGroups registers two groups and exactly the intended TCP ingress rules", async (t) => {
  const warn = sinon.stub(pulumi.log, "warn");
  t.teardown(() => warn.restore());
  const admins = ["198.51.100.0/24"];
  const groups = new SecurityGroups("sg-narrow", { adminCidrs: admins });
  await settle(...groups.rules.map((r) => r.urn as pulumi.Output<unknown>), groups.pool.urn as pulumi.Output<unknown>);

  t.is(warn.callCount, 0, "no warning for a narrow admin range");
  const mine = (r: { urn: string }) => r.urn.includes("sg-narrow");
  const groupRegs = session.ofType(GROUP_TOKEN).filter(mine);
  t.deepEqual(groupRegs.map((g) => g.name).sort(), ["sg-narrow-monitoring", "sg-narrow-pool"]);
  const idOf: Record<string, string> = { "sg-narrow-pool-id": "pool", "sg-narrow-monitoring-id": "monitoring" };

  const ruleRegs = session.ofType(RULE_TOKEN).filter(mine);
  const actual = ruleRegs.map((r) => {
    const i = r.inputs;
    t.is(i.type, "INGRESS");
    t.is(i.protocol, "TCP");
    t.is(i.startPort, i.endPort, "single-port rules");
    t.true(typeof i.description === "string" && i.description.length > 0);
    t.false("cidr" in i && "userSecurityGroupId" in i, "a rule has one source");
    const source = i.cidr !== undefined ? `cidr:${String(i.cidr)}` : `group:${idOf[String(i.userSecurityGroupId)]}`;
    return `${idOf[String(i.securityGroupId)]} ${String(i.startPort)} ${source}`;
  });
  t.deepEqual(actual.sort(), expectedRules(admins));
  for (const reg of [...groupRegs, ...ruleRegs]) {
    t.deepEqual(session.parentChain(reg), ["exoscale-autoscaler:network:SecurityGroups"]);
  }
});

test.serial("an admin range of 0.0.0.0/0 makes pulumi up warn and recommend a narrower one", async (t) => {
  const warn = sinon.stub(pulumi.log, "warn");
  t.teardown(() => warn.restore());
  const groups = new SecurityGroups("sg-open", { adminCidrs: ["0.0.0.0/0"] });
  await settle(groups.pool.urn as pulumi.Output<unknown>);
  t.is(warn.callCount, 1);
  t.regex(String(warn.firstCall.args[0]), /admin_cidrs includes the whole Internet.*Narrow it/);
});
