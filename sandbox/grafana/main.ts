/**
 * The fake Grafana as a command:
 *   GF_SECURITY_ADMIN_PASSWORD=… node --import tsx sandbox/grafana/main.ts --port 3000 --host 127.0.0.1
 * One JSON line per request on stdout; runs until SIGTERM/SIGINT (exit 0). Bad flags: exit 2.
 */
import { runService } from "../../lib/shared/lifecycle.js";
import { USAGE, runFakeGrafanaCommand } from "./command.js";

// --help is answered before parsing, so it prints the usage and exits 0 (a bad flag exits 2).
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(`${USAGE}\n`);
} else {
  void runService("fake-grafana", () => runFakeGrafanaCommand(process.argv.slice(2), process.env));
}
