// Bundles each long-running service into one self-contained CommonJS file that plain `node` (>= 18)
// runs without node_modules: this is what the monitoring host receives.
import { build } from "esbuild";
import { existsSync } from "node:fs";

const bundles = {
  "sd-agent": "services/sd-agent/main.ts",
  scaler: "services/scaler/main.ts",
};

let built = 0;
for (const [name, entry] of Object.entries(bundles)) {
  if (!existsSync(entry)) {
    console.error(`build: ${entry} is missing`);
    process.exitCode = 1;
    continue;
  }
  const outfile = `dist/${name}.cjs`;
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    sourcemap: false,
    minify: false,
    legalComments: "none",
    logLevel: "warning",
  });
  console.log(`build: ${outfile}`);
  built += 1;
}
if (built === 0) process.exitCode = 1;
