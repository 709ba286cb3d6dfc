// Bundle entry (dist/scaler.cjs): configuration from the environment, lifecycle from runService.
import { createExoscaleClient } from "../exoscale/client.js";
import { runService } from "../shared/lifecycle.js";
import { startScaler } from "./scaler.js";

void runService("scaler", () =>
  startScaler(process.env, {
    createApi: (config, logger) =>
      createExoscaleClient({
        key: config.exoscale.key,
        secret: config.exoscale.secret,
        zone: config.exoscale.zone,
        ...(config.exoscale.endpoint !== undefined ? { endpoint: config.exoscale.endpoint } : {}),
        timeoutMs: config.exoscale.timeoutMs,
        logger,
      }),
  }),
);
