import type { BuildOptions } from "esbuild";
export declare const BUNDLES: Readonly<Record<"sd-agent" | "scaler" | "grafana-provisioner", string>>;
export declare function bundleOptions(entry: string, outfile: string): BuildOptions;
