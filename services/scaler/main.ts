// Bundle entry (dist/scaler.cjs): configuration from the environment, lifecycle from runService. The
// service itself is imported only once runService has installed the SIGTERM/SIGINT handlers: loading
// express, prom-client and the rest takes long enough that a stop sent meanwhile must still exit 0.
import { runService } from "../../lib/shared/lifecycle.js";

void runService("scaler", async () => (await import("./scaler.js")).startScaler(process.env));
