import test from "ava";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RefreshOutcome } from "../../../services/sd-agent/agent.js";
import { startSdAgent } from "../../../services/sd-agent/service.js";
import { ConfigError } from "../../../lib/shared/env.js";
import { createMemoryLogger } from "../../../lib/shared/log.js";
import { emulatorEnv, startTestEmulator } from "../../helpers/emulator.js";
import { tempDir } from "../../helpers/fs.js";

test("starts from the environment, serves /metrics and /health, and stops cleanly", async (t) => {
  const emu = await startTestEmulator(t);
  const dir = await tempDir(t, "sd-service-");
  const pool = emu.createPool({ size: 2 });
  const logger = createMemoryLogger("sd-agent");
  let first!: (outcome: RefreshOutcome) => void;
  const refreshed = new Promise<RefreshOutcome>((resolve) => (first = resolve));
  const service = await startSdAgent(
    {
      ...emulatorEnv(emu, pool.id),
      SD_FILE: join(dir, "sd", "config.json"),
      METRICS_PORT: "0",
    },
    { logger, onRefresh: (outcome) => first(outcome) },
  );
  t.like(await refreshed, { ok: true, changed: true });
  t.truthy(service.metricsUrl);
  const metrics = await fetch(`${service.metricsUrl}/metrics`);
  t.is(metrics.status, 200);
  t.regex(metrics.headers.get("content-type")!, /^text\/plain/);
  const text = await metrics.text();
  t.regex(text, /^sd_agent_targets 2$/m);
  t.regex(text, /^sd_agent_refresh_errors_total\{kind="server"\} 0$/m);
  t.regex(text, /^sd_agent_last_success_timestamp_seconds \d+/m);
  t.regex(text, /^process_cpu_user_seconds_total /m, "default process metrics are exported too");
  t.is(await (await fetch(`${service.metricsUrl}/health`)).text(), "ok\n");
  t.is((await fetch(`${service.metricsUrl}/nope`)).status, 404);
  t.is((await fetch(`${service.metricsUrl}/metrics`, { method: "POST" })).status, 405);
  t.like(
    logger.lines.find((l) => l.msg === "sd agent started"),
    { pools: [pool.id], endpoint: emu.url, targetPort: 9100, intervalSeconds: 10 },
  );
  t.false(JSON.stringify(logger.lines).includes(emu.secret), "the secret is never logged");

  await service.stop();
  await t.throwsAsync(fetch(`${service.metricsUrl}/metrics`));
});

test("invalid configuration is a ConfigError (exit 2 under runService)", async (t) => {
  await t.throwsAsync(startSdAgent({ EXOSCALE_ZONE: "ch-gva-2" }), { instanceOf: ConfigError, message: /EXOSCALE_KEY is required/ });
});

test("an SD_FILE directory that cannot be created fails the start with the path in the message", async (t) => {
  const dir = await tempDir(t, "sd-service-");
  await writeFile(join(dir, "not-a-dir"), "");
  await t.throwsAsync(
    startSdAgent({
      EXOSCALE_KEY: "EXOk",
      EXOSCALE_SECRET: "s",
      EXOSCALE_ZONE: "ch-gva-2",
      EXOSCALE_INSTANCEPOOL_ID: "9a3c5a6e-1f2b-4c3d-8e4f-5a6b7c8d9e0f",
      SD_FILE: join(dir, "not-a-dir", "sd", "config.json"),
      METRICS_PORT: "off",
    }),
    { message: /cannot create the directory of SD_FILE .*not-a-dir\/sd\/config\.json/ },
  );
});
