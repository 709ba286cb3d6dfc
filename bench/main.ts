/**
 * The benchmark command.
 *   npm run bench              Markdown tables (policies, targets, services) on stdout, the step chart in
 *                              bench/out/chart.svg; progress on stderr
 *   npm run bench -- --json    exactly one JSON document on stdout:
 *     { "workloads": { <workload>: { <policy>: Metrics } }, "services": ServiceBenchmark }
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chartSpec, renderMarkdown, renderSvg, runPolicyBenchmark, type PolicyBenchmarkResult } from "./policyBenchmark.js";
import { renderServiceMarkdown, runServiceBenchmark, type ServiceBenchmark } from "./services.js";

export interface BenchDocument extends PolicyBenchmarkResult {
  services: ServiceBenchmark | Record<string, unknown>;
}

export function benchDocument(policy: PolicyBenchmarkResult, services: BenchDocument["services"]): BenchDocument {
  return { workloads: policy.workloads, services };
}

const USAGE = "usage: npm run bench [-- --json]\n";

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== "--json");
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown argument ${unknown.join(" ")}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const json = argv.includes("--json");
  const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
  progress("simulating every policy on every workload");
  const result = runPolicyBenchmark();
  progress("measuring the built services on loopback (about 25 s)");
  const services = await runServiceBenchmark();
  if (json) {
    process.stdout.write(`${JSON.stringify(benchDocument(result, services))}\n`);
    return;
  }
  process.stdout.write(`${renderMarkdown(result)}\n${renderServiceMarkdown(services)}\n`);
  const out = fileURLToPath(new URL("./out/", import.meta.url));
  await mkdir(out, { recursive: true });
  await writeFile(`${out}chart.svg`, await renderSvg(chartSpec("step")));
  process.stdout.write(`chart: ${out}chart.svg\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
