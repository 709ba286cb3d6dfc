/**
 * The service bundles the monitoring host receives. `pulumi up` builds them first, exactly as
 * `npm run build` does, so a deploy never ships a bundle older than the code next to it; when they cannot
 * be built, it stops with a message that says what to run.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";
import { BUNDLE_NAMES, type BundleName } from "../contracts/hostLayout.js";
import { BUNDLES, bundleOptions } from "../scripts/bundles.mjs";

export interface BundleFile {
  name: BundleName;
  /** Absolute path of the built file (dist/<name>.cjs). */
  path: string;
  /** sha256 of its content: the trigger that re-pushes it, and restarts its service, when it changes. */
  sha256: string;
}

export type Bundles = Record<BundleName, BundleFile>;

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

type BuildSync = (options: BuildOptions) => unknown;

/** esbuild, loaded only when a build is asked for (a devDependency: `npm install` brings it). */
function loadBuildSync(): BuildSync {
  try {
    const esbuild = createRequire(import.meta.url)("esbuild") as { buildSync: BuildSync };
    return esbuild.buildSync;
  } catch {
    throw new pulumi.RunError(
      "The service bundles cannot be built: esbuild is missing. Run `npm install`, then `npm run build`, and try again.",
    );
  }
}

/** Builds every bundle into `<root>/dist` and returns where each is and its content hash. */
export function buildBundles(root: string = ROOT): Bundles {
  const buildSync = loadBuildSync();
  const built = {} as Bundles;
  for (const name of BUNDLE_NAMES) {
    const entry = BUNDLES[name];
    const outfile = join(root, "dist", `${name}.cjs`);
    try {
      buildSync({ ...bundleOptions(join(root, entry), outfile), logLevel: "silent" });
    } catch (error) {
      throw new pulumi.RunError(
        `The ${name} bundle could not be built from ${entry}: ${error instanceof Error ? error.message : String(error)}. ` +
          "Run `npm run build` to see the full error, fix it, and try again.",
      );
    }
    built[name] = { name, path: outfile, sha256: sha256(readFileSync(outfile)) };
  }
  return built;
}
