/**
 * npm run demo: the whole scaling loop on this machine (see run.ts). Exit 0 when the pool grew under load
 * and shrank back to its minimum; 1 when it did not within the time limit (or was interrupted); 2 when
 * something it needs is missing or an option is wrong, with what to do.
 */
import { ConfigError } from "../../lib/shared/env.js";
import { messageOf } from "../../lib/shared/errors.js";
import { DEMO_USAGE, parseDemoArgs } from "./options.js";
import { runDemo } from "./run.js";

async function main(): Promise<number> {
  let interrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  let signals = 0;
  const onSignal = (): void => {
    signals += 1;
    // The first Ctrl-C stops the run and everything it started; a second one does not wait for that.
    if (signals > 1) process.exit(130);
    process.stderr.write("\ndemo: stopping everything…\n");
    interrupt();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const options = parseDemoArgs(process.argv.slice(2));
    if (options === "help") {
      process.stdout.write(`${DEMO_USAGE}\n`);
      return 0;
    }
    const tty = process.stdout.isTTY === true && process.env["CI"] !== "true";
    let statusShown = false;
    const result = await runDemo(options, {
      line: (text) => {
        if (statusShown) process.stdout.write("\n");
        statusShown = false;
        process.stdout.write(`${text}\n`);
      },
      ...(tty
        ? {
            status: (text: string) => {
              statusShown = true;
              process.stdout.write(`\r\x1b[2K${text}`);
            },
          }
        : {}),
      interrupted,
    });
    return result.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`demo: ${error.problems.join("\ndemo: ")}\n`);
      return 2;
    }
    process.stderr.write(`demo: failed: ${messageOf(error)}\n`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
