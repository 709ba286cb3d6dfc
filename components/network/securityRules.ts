import { PORTS } from "../ports.js";

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

/** Resource-name-safe form of a CIDR: 203.0.113.0/24 → 203-0-113-0-24. */
export function cidrSlug(cidr: string): string {
  return cidr.toLowerCase().replace(/[^0-9a-f]+/g, "-").replace(/^-|-$/g, "");
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
  return rules;
}
