// Bundle entry (dist/sd-agent.cjs): configuration from the environment, exit 0 on SIGTERM, 2 on bad config.
// The agent is imported only once runService has installed the SIGTERM/SIGINT handlers, so a stop sent
// while its modules load still exits 0.
import { runService } from "../../lib/shared/lifecycle.js";

void runService("sd-agent", async () => (await import("./service.js")).startSdAgent(process.env));
