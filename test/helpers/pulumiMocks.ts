// Pulumi mocks that also record what actually goes to the engine: type, name, parent, provider,
// plugin version and download URL, ignoreChanges, additionalSecretOutputs. The stock mock API
// hides those, so we wrap the SDK's own MockMonitor.
//
// That reaches into SDK internals verified against @pulumi/pulumi 3.248.0, the version package.json
// pins (newer ones need Node 22): MockMonitor.registerResource/invoke(request, callback), the
// protobuf request getters below, and runtime.waitForRPCs. After an SDK upgrade, re-check them;
// assertMockInternals() fails every Pulumi test with one clear message if one has gone.
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import type { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";
import type { RegisterResourceRequest, ResourceInvokeRequest } from "@pulumi/pulumi/proto/resource_pb.js";

/** The @pulumi/pulumi version these mocks were written and verified against. */
export const VERIFIED_PULUMI_VERSION = "3.248.0";

/** SDK internals recordRequests() and settle() call, by owner. */
const REQUIRED_INTERNALS = {
  "MockMonitor (runtime.getMonitor())": ["registerResource", "invoke"],
  "RegisterResourceRequest.prototype": [
    "getObject",
    "getType",
    "getName",
    "getParent",
    "getCustom",
    "getProvider",
    "getVersion",
    "getPlugindownloadurl",
    "getIgnorechangesList",
    "getAdditionalsecretoutputsList",
    "getDependenciesList",
  ],
  "RegisterResourceResponse.prototype": ["getUrn"],
  "ResourceInvokeRequest.prototype": ["getArgs", "getTok", "getProvider", "getVersion", "getPlugindownloadurl"],
  runtime: ["waitForRPCs"],
} as const;

const require = createRequire(import.meta.url);
// CommonJS generated code whose exports ESM cannot see by name: load it as the SDK does.
const resourceProto = require("@pulumi/pulumi/proto/resource_pb.js") as Partial<typeof import("@pulumi/pulumi/proto/resource_pb.js")>;

function installedPulumiVersion(): string {
  try {
    return (require("@pulumi/pulumi/package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * Throws, naming what is missing, unless every internal the recording mocks rely on is there with
 * the shape they expect (the monitor's methods take `(request, callback)`).
 */
export function assertMockInternals(
  monitor: unknown,
  /** Stand-ins for the other owners (tests of this guard). */
  replaced: Partial<Record<keyof typeof REQUIRED_INTERNALS, unknown>> = {},
): void {
  const owners: Record<keyof typeof REQUIRED_INTERNALS, unknown> = {
    "MockMonitor (runtime.getMonitor())": monitor,
    "RegisterResourceRequest.prototype": resourceProto.RegisterResourceRequest?.prototype,
    "RegisterResourceResponse.prototype": resourceProto.RegisterResourceResponse?.prototype,
    "ResourceInvokeRequest.prototype": resourceProto.ResourceInvokeRequest?.prototype,
    runtime: pulumi.runtime,
    ...replaced,
  };
  const missing: string[] = [];
  for (const [owner, names] of Object.entries(REQUIRED_INTERNALS) as [keyof typeof REQUIRED_INTERNALS, readonly string[]][]) {
    const target = owners[owner] as Record<string, unknown> | undefined;
    for (const name of names) {
      const member = target?.[name];
      if (typeof member !== "function") {
        missing.push(`${owner}.${name}`);
      } else if (owner.startsWith("MockMonitor") && member.length !== 2) {
        missing.push(`${owner}.${name}(request, callback) (it takes ${member.length} parameters)`);
      }
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `test/helpers/pulumiMocks.ts relies on @pulumi/pulumi ${VERIFIED_PULUMI_VERSION} internals that ` +
        `@pulumi/pulumi ${installedPulumiVersion()} does not have: ${missing.join(", ")}. ` +
        `Adapt recordRequests()/settle() to the new SDK before trusting any Pulumi test.`,
    );
  }
}

export const PROJECT = "exoscale-autoscaler";
export const STACK = "dev";

/** Values the mocked cloud hands back; tests look for them to prove secrets stay secret. */
export const MOCK_VALUES = {
  nlbIp: "203.0.113.10",
  monitoringIp: "203.0.113.20",
  templateId: "tmpl-ubuntu-2404",
  apiKey: "EXOmockservicekey0000000000",
  apiSecret: "mock-service-api-secret-do-not-leak",
  generatedPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockGeneratedPublicKey mock",
  generatedPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nmock-generated-private-key\n-----END OPENSSH PRIVATE KEY-----\n",
  /**
   * What a generated password is under the mocks, by the last two parts of its resource name (e.g.
   * `grafana-admin`, `webhook-token`), so components of different names generate the same ones.
   */
  randomPassword: (suffix: string) => `mockpw${suffix.replace(/[^A-Za-z0-9]/g, "")}`,
} as const;

export interface Registration {
  type: string;
  name: string;
  urn: string;
  /** URN of the parent ("" for the root stack). */
  parent: string;
  custom: boolean;
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Top-level inputs that arrived as secrets. */
  secretInputs: string[];
  /** Provider reference `urn::id` ("" = default provider). */
  provider: string;
  version: string;
  pluginDownloadURL: string;
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  /** URNs of the resources this one depends on (dependsOn and inputs from other resources). */
  dependencies: string[];
}

export interface InvokeRecord {
  token: string;
  inputs: Record<string, unknown>;
  provider: string;
  version: string;
  pluginDownloadURL: string;
}

function isSecretValue(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

/** Deeply replaces serialized secrets by their plain values. */
export function unsecret(value: unknown): unknown {
  if (isSecretValue(value)) {
    return unsecret(value.value);
  }
  if (Array.isArray(value)) {
    return value.map(unsecret);
  }
  // Assets and archives keep their class (tests read their path or text).
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
    return value;
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unsecret(v)]));
  }
  return value;
}

/** Outputs the mocked provider computes for each resource type. */
function computedState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "exoscale:index/nlb:Nlb":
      return {
        ipAddress: MOCK_VALUES.nlbIp,
        state: "running",
        services: [],
        createdAt: "2026-01-01T00:00:00Z",
        name: inputs.name ?? `${name}-auto`,
      };
    case "exoscale:index/computeInstance:ComputeInstance":
      return {
        publicIpAddress: MOCK_VALUES.monitoringIp,
        ipv6Address: "",
        state: "running",
        createdAt: "2026-01-01T00:00:00Z",
        name: inputs.name ?? `${name}-auto`,
      };
    case "exoscale:index/sshKey:SshKey":
      return { fingerprint: "SHA256:mock", name: inputs.name ?? `${name}-auto` };
    case "exoscale:index/securityGroup:SecurityGroup":
    case "exoscale:index/instancePool:InstancePool":
    case "exoscale:index/iamRole:IamRole":
      return { name: inputs.name ?? `${name}-auto` };
    case "exoscale:index/iamApiKey:IamApiKey":
      return { key: MOCK_VALUES.apiKey, secret: MOCK_VALUES.apiSecret, name: inputs.name ?? `${name}-auto` };
    case "random:index/randomPassword:RandomPassword":
      return { result: MOCK_VALUES.randomPassword(name.split("-").slice(-2).join("-")), bcryptHash: "mock-bcrypt" };
    case "tls:index/privateKey:PrivateKey":
      return {
        publicKeyOpenssh: MOCK_VALUES.generatedPublicKey,
        privateKeyOpenssh: MOCK_VALUES.generatedPrivateKey,
        privateKeyPem: MOCK_VALUES.generatedPrivateKey,
      };
    default:
      return {};
  }
}

/** Results of the mocked provider functions (invokes). */
function defaultCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  if (args.token === "exoscale:index/getTemplate:getTemplate") {
    const inputs = args.inputs as Record<string, unknown>;
    return { id: MOCK_VALUES.templateId, name: inputs.name, zone: inputs.zone, defaultUser: "ubuntu", visibility: "public" };
  }
  return {};
}

function mocksWith(call: MockOptions["call"]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      return {
        id: args.custom ? `${args.name}-id` : undefined,
        state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs as Record<string, unknown>) },
      };
    },
    call(args) {
      return call?.(args) ?? defaultCall(args);
    },
  };
}

type Callback = (err: unknown, response: unknown) => void;

/** Wraps the installed MockMonitor so every register/invoke request is recorded first. */
function recordRequests(monitor: MockMonitor, session: MockSession): void {
  const register = monitor.registerResource.bind(monitor);
  const invoke = monitor.invoke.bind(monitor);
  monitor.registerResource = async (req: RegisterResourceRequest, callback: Callback): Promise<void> => {
    const object = req.getObject();
    const raw = (object ? pulumi.runtime.deserializeProperties(object) : {}) as Record<string, unknown>;
    return register(req, (err: unknown, response: unknown) => {
      if (!err && response) {
        session.registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: (response as { getUrn(): string }).getUrn(),
          parent: req.getParent(),
          custom: req.getCustom(),
          inputs: unsecret(raw) as Record<string, unknown>,
          secretInputs: Object.keys(raw).filter((k) => isSecretValue(raw[k])),
          provider: req.getProvider(),
          version: req.getVersion(),
          pluginDownloadURL: req.getPlugindownloadurl(),
          ignoreChanges: req.getIgnorechangesList(),
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
          dependencies: req.getDependenciesList(),
        });
      }
      callback(err, response);
    });
  };
  monitor.invoke = async (req: ResourceInvokeRequest, callback: Callback): Promise<void> => {
    const args = req.getArgs();
    const inputs = (args ? pulumi.runtime.deserializeProperties(args) : {}) as Record<string, unknown>;
    session.invokes.push({
      token: req.getTok(),
      inputs: unsecret(inputs) as Record<string, unknown>,
      provider: req.getProvider(),
      version: req.getVersion(),
      pluginDownloadURL: req.getPlugindownloadurl(),
    });
    return invoke(req, callback);
  };
}

export class MockSession {
  public readonly registrations: Registration[] = [];
  public readonly invokes: InvokeRecord[] = [];

  /** Custom (cloud) resources, optionally of one type. */
  customs(type?: string): Registration[] {
    return this.registrations.filter((r) => r.custom && (type === undefined || r.type === type));
  }

  ofType(type: string): Registration[] {
    return this.registrations.filter((r) => r.type === type);
  }

  byUrn(urn: string): Registration | undefined {
    return this.registrations.find((r) => r.urn === urn);
  }

  /** Types from the root down to this resource, following the recorded parents. */
  parentChain(reg: Registration): string[] {
    const chain: string[] = [];
    let current: Registration | undefined = reg;
    while (current && current.parent !== "") {
      current = this.byUrn(current.parent);
      if (current) {
        chain.unshift(current.type);
      }
    }
    return chain;
  }

  /** Names registered twice (the real engine refuses duplicate URNs; mocks do not notice). */
  duplicateUrns(): string[] {
    const seen = new Set<string>();
    const dupes: string[] = [];
    for (const r of this.registrations) {
      if (seen.has(r.urn)) {
        dupes.push(r.urn);
      }
      seen.add(r.urn);
    }
    return dupes;
  }
}

export interface MockOptions {
  /** Project config, keyed without the project prefix (e.g. `exoscale_key`). */
  config?: Record<string, string>;
  /** Keys (without prefix) whose values are secrets. */
  secretKeys?: string[];
  /** Answers invokes instead of the defaults (return undefined to keep the default answer). */
  call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined;
}

/** Installs recording mocks (project exoscale-autoscaler, stack dev, not a preview). */
export function installPulumiMocks(options: MockOptions = {}): MockSession {
  const config = Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [`${PROJECT}:${k}`, v]));
  pulumi.runtime.setAllConfig(
    config,
    (options.secretKeys ?? []).map((k) => `${PROJECT}:${k}`),
  );
  const session = new MockSession();
  // setMocks also switches on the features a real engine has (secrets, resource references).
  void pulumi.runtime.setMocks(mocksWith(options.call), PROJECT, STACK, false);
  const monitor = pulumi.runtime.getMonitor();
  assertMockInternals(monitor);
  recordRequests(monitor as unknown as MockMonitor, session);
  return session;
}

/** Resolves an Output (or passes a plain value through). */
export function valueOf<T>(value: pulumi.Input<T> | undefined): Promise<T | undefined> {
  if (pulumi.Output.isInstance(value)) {
    return new Promise((resolve) =>
      value.apply((v) => {
        resolve(v);
        return v;
      }),
    );
  }
  return Promise.resolve(value as T | undefined);
}

/**
 * Waits until every registration in flight has reached the mock monitor: first the given
 * outputs, then the runtime's own RPC barrier (`waitForRPCs`: present but untyped in 3.248, and
 * checked by assertMockInternals()).
 */
export async function settle(...outputs: pulumi.Output<unknown>[]): Promise<void> {
  await Promise.all(outputs.map((o) => valueOf(o)));
  await (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs();
}
