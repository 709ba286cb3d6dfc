import * as pulumi from "@pulumi/pulumi";

/** The pulumiverse/pulumi-exoscale release this binding mirrors (schema v0.66.1). */
export const PLUGIN_VERSION = "0.66.1";

/** Where the engine downloads the provider plugin from when it is not installed yet. */
export const PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumiverse/pulumi-exoscale";

/**
 * Options merged into every resource and invoke, exactly like the generated SDK's
 * `resourceOptsDefaults()`: they let `pulumi up` fetch the right plugin by itself, because a
 * binding living in the program's own sources is never discovered through node_modules.
 */
export function resourceOptsDefaults(): { version: string; pluginDownloadURL: string } {
  return { version: PLUGIN_VERSION, pluginDownloadURL: PLUGIN_DOWNLOAD_URL };
}

/** Reads an environment variable as the generated SDK does (first one set wins). */
export function getEnv(...names: string[]): string | undefined {
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) {
      return value;
    }
  }
  return undefined;
}

/**
 * Throws the generated SDK's error for the first required input that is missing. A resource
 * rehydrated from a URN (`opts.urn`) carries no inputs, so nothing is required then.
 */
function requireInputs(args: object | undefined, required: readonly string[], opts: pulumi.CustomResourceOptions): void {
  if (opts.urn) {
    return;
  }
  const bag = (args ?? {}) as Record<string, unknown>;
  for (const name of required) {
    if (bag[name] === undefined) {
      throw new Error(`Missing required property '${name}'`);
    }
  }
}

/** Copies the named properties from args (or state) into the resource's input bag. */
function copyProperties(target: pulumi.Inputs, source: object | undefined, names: readonly string[]): void {
  const bag = (source ?? {}) as Record<string, unknown>;
  for (const name of names) {
    target[name] = bag[name];
  }
}

/**
 * Output-only properties must still be present in the bag: the Node runtime only creates an
 * `Output` for keys it finds there.
 */
function markOutputs(target: pulumi.Inputs, names: readonly string[]): void {
  for (const name of names) {
    target[name] = undefined;
  }
}

/** Which properties a resource class sends to the engine, as its schema declares them. */
export interface ResourceProperties {
  /** Input names, camelCase as in the schema. */
  inputs: readonly string[];
  /** Output-only names: absent from args, but present in the bag so the runtime creates their Outputs. */
  outputsOnly?: readonly string[];
  /** Inputs the schema marks required. */
  required?: readonly string[];
}

/**
 * The input bag exactly as the generated constructors build it: a read (`opts.id`) copies state
 * for every property; a create checks the required inputs, copies the inputs and marks the outputs.
 */
export function buildResourceInputs(
  args: object | undefined,
  opts: pulumi.CustomResourceOptions | undefined,
  properties: ResourceProperties,
): pulumi.Inputs {
  const bag: pulumi.Inputs = {};
  const outputsOnly = properties.outputsOnly ?? [];
  if (opts?.id) {
    copyProperties(bag, args, [...properties.inputs, ...outputsOnly]);
    return bag;
  }
  requireInputs(args, properties.required ?? [], opts ?? {});
  copyProperties(bag, args, properties.inputs);
  markOutputs(bag, outputsOnly);
  return bag;
}

/** Resource or invoke options with the plugin defaults merged in (caller's options win). */
export function withPluginDefaults<T extends pulumi.ResourceOptions | pulumi.InvokeOptions>(opts: T | undefined): T {
  return pulumi.mergeOptions(resourceOptsDefaults(), opts ?? {}) as T;
}

/** Type-token check that works across copies of the SDK (as the generated `isInstance`). */
export function hasPulumiType(obj: unknown, token: string): boolean {
  if (obj === undefined || obj === null || typeof obj !== "object") {
    return false;
  }
  return (obj as { __pulumiType?: unknown }).__pulumiType === token;
}
