// Bundles each long-running service into one self-contained file (see scripts/bundles.mjs): this is
// what the monitoring host receives.
import { build } from "esbuild";
import { existsSync } from "node:fs";
import { BUNDLES, bundleOptions } from "./bundles.mjs";

for (const [name, entry] of Object.entries(BUNDLES)) {
  if (!existsSync(entry)) {
    console.error(`build: ${entry} is missing`);
    process.exitCode = 1;
    continue;
  }
  const outfile = `dist/${name}.cjs`;
  await build(bundleOptions(entry, outfile));
  // Progress on stderr: `npm run bench -- --json` builds first, and its stdout must be one JSON document.
  console.error(`build: ${outfile}`);
}
