/** Bundle descriptions for Pulumi tests that build a stack without building the real bundles. */
import type { Bundles } from "../../components/bundles.js";

/** Paths that need not exist (mocks never read assets) and hashes that name their bundle. */
export function fakeBundles(tag = "v1"): Bundles {
  return {
    "sd-agent": { name: "sd-agent", path: "/nonexistent/dist/sd-agent.cjs", sha256: `sha-sd-agent-${tag}` },
    scaler: { name: "scaler", path: "/nonexistent/dist/scaler.cjs", sha256: `sha-scaler-${tag}` },
    "grafana-provisioner": {
      name: "grafana-provisioner",
      path: "/nonexistent/dist/grafana-provisioner.cjs",
      sha256: `sha-grafana-provisioner-${tag}`,
    },
  };
}
