/** Bundle entry (dist/sd-agent.cjs): configuration from the environment, exit 0 on SIGTERM, 2 on bad config. */
import { runService } from "../../lib/shared/lifecycle.js";
import { startSdAgent } from "./service.js";

void runService("sd-agent", () => startSdAgent(process.env));
