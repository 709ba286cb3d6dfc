// Bundle entry (dist/scaler.cjs): configuration from the environment, lifecycle from runService.
import { createExoscaleClient } from "../exoscale/client.js";
import { clientOptionsFromEnv } from "../exoscale/env.js";
import { runService } from "../shared/lifecycle.js";
import { startScaler } from "./scaler.js";

void runService("scaler", () =>
  startScaler(process.env, {
    createApi: (config, logger) =>
      createExoscaleClient({ ...clientOptionsFromEnv(config.exoscale), timeoutMs: config.exoscale.timeoutMs, logger }),
  }),
);
