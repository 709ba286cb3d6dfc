import { PORTS } from "../../contracts/ports.js";

/** Which of our two groups a rule belongs to, or lets traffic in from. */
export type GroupRole = "pool" | "monitoring";

/** One TCP ingress rule, before it becomes a SecurityGroupRule. */
export interface RuleSpec {
  /** Stable, unique suffix of the rule's resource name. */
  key: string;
  /** Group the rule is attached to. */
  group: GroupRole;
  port: number;
  /** Traffic source: a network, or members of one of our groups. */
  source: { cidr: string } | { group: GroupRole };
  description: string;
}

/**
 * Resource-name-safe form of a canonical CIDR: every `.`, `:` and `/` becomes one `-`, so
 * 203.0.113.0/24 → 203-0-113-0-24 and 2001:db8::/48 → 2001-db8---48. One character for one keeps
 * it reversible (the last `-` is the `/`, a double `-` is the `::`), hence two networks never share
 * a resource name: a:b::c/128 → a-b--c-128, a::b:c/128 → a--b-c-128.
 */
export function cidrSlug(cidr: string): string {
  return cidr.replace(/[.:/]/g, "-");
}

/**
 * The complete least-privilege rule set (ingress only; egress stays open by default so hosts can
 * fetch packages and images). Anything not listed here is closed.
 */
export function securityRules(adminCidrs: readonly string[]): RuleSpec[] {
  const rules: RuleSpec[] = [
    {
      key: "app",
      group: "pool",
      port: PORTS.app,
      // The NLB preserves client source IPs and probes from its own addresses, so the app port
      // must be open to every source.
      source: { cidr: "0.0.0.0/0" },
      description: "http-load-generator behind the NLB (clients and health checks)",
    },
    {
      key: "node-exporter",
      group: "pool",
      port: PORTS.nodeExporter,
      source: { group: "monitoring" },
      description: "node_exporter, scraped by Prometheus on the monitoring host only",
    },
  ];
  const adminPorts: { group: GroupRole; name: string; port: number; what: string }[] = [
    { group: "monitoring", name: "ssh", port: PORTS.ssh, what: "SSH for provisioning and operations" },
    { group: "monitoring", name: "prometheus", port: PORTS.prometheus, what: "Prometheus UI" },
    { group: "monitoring", name: "grafana", port: PORTS.grafana, what: "Grafana UI" },
  ];
  for (const admin of adminPorts) {
    for (const cidr of adminCidrs) {
      rules.push({
        key: `${admin.name}-${cidrSlug(cidr)}`,
        group: admin.group,
        port: admin.port,
        source: { cidr },
        description: `${admin.what} from ${cidr}`,
      });
    }
  }
  // The engine refuses two resources with one URN; say which networks clash instead.
  const seen = new Map<string, RuleSpec>();
  for (const rule of rules) {
    const name = `${rule.group}-${rule.key}`;
    const other = seen.get(name);
    if (other !== undefined) {
      const from = (r: RuleSpec) => ("cidr" in r.source ? r.source.cidr : r.source.group);
      throw new Error(`security rules "${from(other)}" and "${from(rule)}" would get the same resource name ${name}`);
    }
    seen.set(name, rule);
  }
  return rules;
}
