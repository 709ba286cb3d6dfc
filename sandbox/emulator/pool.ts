/**
 * A small pool command through our own API client, configured by the same EXOSCALE_* environment as the
 * services; handy to change the emulated pool by hand and watch the SD agent follow:
 *   npm run pool -- show
 *   npm run pool -- scale 4
 *   npm run pool -- evict <instance-id> [...]
 *   npm run pool -- --help
 * Works against the real API too (it signs and sends the same requests). Exit 2 on bad input, 1 on API errors,
 * 0 for --help (answered before the environment is read).
 */
import { createExoscaleClient } from "../../lib/exoscale/client.js";
import { clientOptionsFromEnv, readExoscaleEnv } from "../../lib/exoscale/env.js";
import { messageOf } from "../../lib/shared/errors.js";
import { ConfigError, EnvReader } from "../../lib/shared/env.js";
import { HELP, parsePoolCommand, runPoolCommand } from "./poolCommand.js";

async function main(): Promise<number> {
  try {
    const command = parsePoolCommand(process.argv.slice(2));
    if (command.action === "help") {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const read = new EnvReader(process.env);
    // Validated like the services' own settings, so a wrong zone or pool id fails here with exit 2.
    const env = readExoscaleEnv(read, { multiplePools: false });
    read.finish();
    const api = createExoscaleClient(clientOptionsFromEnv(env));
    await runPoolCommand(api, env.poolIds[0]!, command, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (error) {
    process.stderr.write(`pool: ${messageOf(error)}\n`);
    return error instanceof ConfigError ? 2 : 1;
  }
}

void main().then((code) => process.exit(code));
