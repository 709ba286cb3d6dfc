// Bundle entry (dist/scaler.cjs): configuration from the environment, lifecycle from runService.
import { runService } from "../../lib/shared/lifecycle.js";
import { startScaler } from "./scaler.js";

void runService("scaler", () => startScaler(process.env));
