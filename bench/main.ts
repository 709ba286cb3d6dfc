/**
 * The benchmark command.
 *   node --import tsx bench/main.ts          Markdown tables on stdout, the step chart in bench/out/chart.svg
 *   node --import tsx bench/main.ts --json   exactly one JSON document on stdout:
 *     { "workloads": { <workload>: { <policy>: Metrics } }, "services": { … } }
 * "services" is runServiceBenchmark() of bench/services.ts when that file exists, else {} (said on stderr).
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chartSpec, renderMarkdown, renderSvg, runPolicyBenchmark, type PolicyBenchmarkResult } from "./policyBenchmark.js";

export interface BenchDocument extends PolicyBenchmarkResult {
  services: Record<string, unknown>;
}

/** The services' benchmark, when bench/services.ts exists (another part of the benchmark). */
async function serviceResults(): Promise<Record<string, unknown>> {
  const here = fileURLToPath(new URL(".", import.meta.url));
  if (!existsSync(`${here}services.ts`) && !existsSync(`${here}services.js`)) {
    process.stderr.write('bench/services.ts does not exist yet: "services" is {}\n');
    return {};
  }
  const specifier = "./services.js";
  const mod = (await import(specifier)) as { runServiceBenchmark?: () => unknown };
  if (typeof mod.runServiceBenchmark !== "function") {
    process.stderr.write('bench/services.ts has no runServiceBenchmark(): "services" is {}\n');
    return {};
  }
  return ((await mod.runServiceBenchmark()) ?? {}) as Record<string, unknown>;
}

export function benchDocument(policy: PolicyBenchmarkResult, services: Record<string, unknown>): BenchDocument {
  return { workloads: policy.workloads, services };
}

async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes("--json");
  const result = runPolicyBenchmark();
  if (json) {
    process.stdout.write(`${JSON.stringify(benchDocument(result, await serviceResults()))}\n`);
    return;
  }
  process.stdout.write(`${renderMarkdown(result)}\n`);
  const out = fileURLToPath(new URL("./out/", import.meta.url));
  await mkdir(out, { recursive: true });
  await writeFile(`${out}chart.svg`, await renderSvg(chartSpec("step")));
  process.stdout.write(`chart: ${out}chart.svg\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
