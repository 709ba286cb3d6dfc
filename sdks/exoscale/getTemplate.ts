import * as pulumi from "@pulumi/pulumi";
import { withPluginDefaults } from "./utilities.js";

export const GET_TEMPLATE_TOKEN = "exoscale:index/getTemplate:getTemplate";

export interface GetTemplateArgs {
  /** Zone to look in (required). */
  zone: string;
  /** Template name, e.g. `Linux Ubuntu 24.04 LTS 64-bit` (conflicts with id; newest wins). */
  name?: string;
  id?: string;
  /** `public` (default) or `private`. */
  visibility?: string;
}

export interface GetTemplateResult {
  readonly defaultUser: string;
  readonly zone: string;
  readonly id?: string;
  readonly name?: string;
  readonly visibility?: string;
}

export interface GetTemplateOutputArgs {
  zone: pulumi.Input<string>;
  name?: pulumi.Input<string>;
  id?: pulumi.Input<string>;
  visibility?: pulumi.Input<string>;
}

function requireZone(zone: unknown): void {
  if (zone === undefined) {
    throw new Error("Missing required property 'zone'");
  }
}

/** Looks up a compute template by name or id in a zone. */
export function getTemplate(args: GetTemplateArgs, opts?: pulumi.InvokeOptions): Promise<GetTemplateResult> {
  requireZone(args?.zone);
  return pulumi.runtime.invoke(
    GET_TEMPLATE_TOKEN,
    { id: args.id, name: args.name, visibility: args.visibility, zone: args.zone },
    withPluginDefaults(opts),
  );
}

/** Output form of {@link getTemplate}: accepts Inputs and keeps dependencies. */
export function getTemplateOutput(args: GetTemplateOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetTemplateResult> {
  requireZone(args?.zone);
  return pulumi.runtime.invokeOutput(
    GET_TEMPLATE_TOKEN,
    { id: args.id, name: args.name, visibility: args.visibility, zone: args.zone },
    withPluginDefaults(opts),
  );
}
