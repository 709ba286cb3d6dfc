/**
 * The load tool:
 *   npm run load -- --url http://127.0.0.1:8000 [--path /load] [--concurrency 10] [--duration 60] [--profile ramp]
 * Progress goes to stderr (one line per second; updated in place on a terminal), the summary to stdout.
 * Exit codes: 0 done, 1 failed, 2 bad arguments. Ctrl-C (or SIGTERM) stops early and still prints the summary.
 */
import { messageOf } from "../../lib/shared/errors.js";
import { USAGE, parseLoadArgs } from "./args.js";
import { exitCodeFor, formatSummary, progressWriter } from "./report.js";
import { runLoad } from "./run.js";

async function main(argv: string[]): Promise<number> {
  const parsed = parseLoadArgs(argv);
  if (parsed.kind === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`load: ${parsed.problems.join("\nload: ")}\n(npm run load -- --help lists the options)\n`);
    return 2;
  }
  const { options } = parsed;
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const progress = progressWriter(process.stderr);
  process.stderr.write(
    `load: GET ${options.url}, profile ${options.profile}, concurrency up to ${options.concurrency}, ` +
      `${options.durationSeconds} s (Ctrl-C stops early)\n`,
  );
  const report = await runLoad(options, { progress: (line) => progress.line(line), signal: abort.signal });
  progress.end();
  process.stdout.write(formatSummary(report));
  return exitCodeFor(report);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`load: failed: ${messageOf(error)}\n`);
    process.exit(1);
  },
);
