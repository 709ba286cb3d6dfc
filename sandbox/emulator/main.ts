/**
 * The API emulator as a command:
 *   npm run emulator -- --port 8081 --pool-size 1
 * Prints the environment the services need (endpoint, key, secret, zone, pool id) as KEY=value lines on
 * stdout, logs pool changes as JSON lines on stderr, and runs until SIGTERM/SIGINT (exit 0). Bad flags: exit 2.
 */
import { runService } from "../../lib/shared/lifecycle.js";
import { USAGE, runEmulatorCommand } from "./command.js";

// --help is answered here, before parsing, so it prints the usage and exits 0 (a bad flag exits 2).
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(`${USAGE}\n`);
} else {
  void runService("emulator", () => runEmulatorCommand(process.argv.slice(2)));
}
