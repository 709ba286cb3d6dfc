// Bundle entry (dist/grafana-provisioner.cjs): provisions Grafana once and exits (0 done, 2 bad
// configuration, 1 failed). The provisioner is imported only once runOnce has installed the SIGTERM/SIGINT
// handlers, so a stop sent while its modules load is still handled.
import { runOnce } from "../../lib/shared/runOnce.js";

void runOnce("grafana-provisioner", async (signal) => (await import("./service.js")).provisionGrafana(process.env, { signal }));
