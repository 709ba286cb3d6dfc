// The service bundles and the esbuild settings that make them: one file each, CommonJS, for plain
// `node` >= 18 without node_modules. scripts/build.mjs and the bundle tests both use these, so the
// tested artifact is built exactly like the shipped one.
export const BUNDLES = {
  "grafana-provisioner": "services/grafana-provisioner/main.ts",
  "sd-agent": "services/sd-agent/main.ts",
  scaler: "services/scaler/main.ts",
};

/** esbuild options for one bundle. */
export function bundleOptions(entry, outfile) {
  return {
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
  };
}
