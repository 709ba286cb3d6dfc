/**
 * The monitoring host's remote commands as the Pulumi graph holds them: MonitoringProvisioning built under
 * the recording Pulumi mocks the component tests use (test/helpers/pulumiMocks.ts), then every
 * command:remote:Command and command:remote:CopyToRemote registration with its inputs and dependencies,
 * in dependency order. Nothing is re-rendered here: what runs is what the graph carries.
 */
import * as pulumi from "@pulumi/pulumi";
import { MonitoringProvisioning, type MonitoringProvisioningArgs } from "../../components/monitoringProvisioning.js";
import { installPulumiMocks, settle, type MockSession, type Registration } from "../../test/helpers/pulumiMocks.js";

export const COMMAND_TYPE = "command:remote:Command";
export const COPY_TYPE = "command:remote:CopyToRemote";

export interface Connection {
  host: string;
  user: string;
  privateKey: string;
  port?: number;
  dialErrorLimit?: number;
  perDialTimeout?: number;
}

export interface Step {
  kind: "command" | "copy";
  /** The resource name without the component's prefix: `boot`, `copy-scaler.cjs`, … */
  step: string;
  urn: string;
  connection: Connection;
  /** command: the `create` string. */
  create?: string;
  /** copy: where it goes, and the content (a file's path or a text). */
  remotePath?: string;
  source?: { path: string } | { text: string };
  triggers: string;
  dependencies: string[];
}

let session: MockSession | undefined;

/** Kahn's order, stable in registration order: every step after all it depends on. */
export function topologicalOrder<T extends { urn: string; dependencies: string[] }>(items: T[]): T[] {
  const byUrn = new Map(items.map((i) => [i.urn, i]));
  const done = new Set<string>();
  const order: T[] = [];
  while (order.length < items.length) {
    const next = items.find((i) => !done.has(i.urn) && i.dependencies.every((d) => done.has(d) || !byUrn.has(d)));
    if (!next)
      throw new Error(
        `dependency cycle among: ${items
          .filter((i) => !done.has(i.urn))
          .map((i) => i.urn)
          .join(", ")}`,
      );
    done.add(next.urn);
    order.push(next);
  }
  return order;
}

async function sourceOf(value: unknown): Promise<{ path: string } | { text: string }> {
  if (value instanceof pulumi.asset.FileAsset) return { path: String(await value.path) };
  if (value instanceof pulumi.asset.StringAsset) return { text: String(await value.text) };
  throw new Error(`a CopyToRemote source that is neither a FileAsset nor a StringAsset: ${JSON.stringify(value)}`);
}

export function stepsFrom(regs: Registration[], name: string): Promise<Step[]> {
  const relevant = regs.filter((r) => r.type === COMMAND_TYPE || r.type === COPY_TYPE);
  return Promise.all(
    topologicalOrder(relevant).map(async (r): Promise<Step> => {
      const connection = r.inputs["connection"] as Connection;
      const base = {
        step: r.name.startsWith(`${name}-`) ? r.name.slice(name.length + 1) : r.name,
        urn: r.urn,
        connection,
        triggers: JSON.stringify(r.inputs["triggers"] ?? null),
        dependencies: r.dependencies.filter((d) => relevant.some((x) => x.urn === d)),
      };
      if (r.type === COMMAND_TYPE) return { ...base, kind: "command", create: String(r.inputs["create"]) };
      return { ...base, kind: "copy", remotePath: String(r.inputs["remotePath"]), source: await sourceOf(r.inputs["source"]) };
    }),
  );
}

/** Builds MonitoringProvisioning under the mocks and returns its remote steps in the order they run. */
export async function buildSteps(name: string, args: MonitoringProvisioningArgs): Promise<Step[]> {
  session ??= installPulumiMocks();
  const before = session.registrations.length;
  const component = new MonitoringProvisioning(name, args);
  await settle(component.provisioned.urn, component.grafanaAdminPassword, component.webhookToken);
  return stepsFrom(session.registrations.slice(before), name);
}

/** The steps of `next` whose triggers differ from `previous`'s (by step name): what a `pulumi up` re-runs. */
export function changedSteps(previous: Step[], next: Step[]): Step[] {
  const identity = (s: Step) => JSON.stringify([s.triggers, s.create ?? null, s.remotePath ?? null]);
  const before = new Map(previous.map((s) => [s.step, identity(s)]));
  return next.filter((s) => before.get(s.step) !== identity(s));
}
