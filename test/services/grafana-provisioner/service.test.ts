import test from "ava";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { isLoopbackUrl, provisionGrafana } from "../../../services/grafana-provisioner/service.js";
import { ADMIN_PASSWORD, startTestGrafana } from "../../sandbox/grafana/helpers.js";

test("loopback URLs: localhost, 127.0.0.0/8 and ::1, nothing else", (t) => {
  for (const url of ["http://127.0.0.1:8090", "http://127.1.2.3", "http://localhost:8090", "http://[::1]:8090"])
    t.true(isLoopbackUrl(url), url);
  for (const url of ["http://10.0.0.5:8090", "http://scaler.example:8090", "http://[2001:db8::1]:8090", "http://128.0.0.1"])
    t.false(isLoopbackUrl(url), url);
});

async function warningsFor(t: Parameters<typeof startTestGrafana>[0], env: Record<string, string>): Promise<string[]> {
  const fake = await startTestGrafana(t);
  const logger = createMemoryLogger("grafana-provisioner");
  await provisionGrafana({ GRAFANA_URL: fake.url, GRAFANA_PASSWORD: ADMIN_PASSWORD, ...env }, { logger, healthIntervalMs: 50 });
  return logger.lines.filter((l) => l["level"] === "warn").map((l) => String(l["msg"]));
}

test("it warns when the contact point sends no token, or sends it in clear to another host", async (t) => {
  t.deepEqual(await warningsFor(t, { WEBHOOK_TOKEN: "tok" }), []);
  t.deepEqual(await warningsFor(t, { WEBHOOK_TOKEN: "tok", SCALER_URL: "https://10.0.0.5:8090" }), []);
  const [none] = await warningsFor(t, {});
  t.regex(String(none), /WEBHOOK_TOKEN is not set/);
  const [clear] = await warningsFor(t, { WEBHOOK_TOKEN: "tok", SCALER_URL: "http://10.0.0.5:8090" });
  t.regex(String(clear), /plain http to another host/);
});
