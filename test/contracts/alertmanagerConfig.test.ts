import test from "ava";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { renderAlertmanagerConfig } from "../../contracts/alertmanagerConfig.js";
import { tempDir } from "../helpers/fs.js";
import { requireTool } from "../helpers/tools.js";

const run = promisify(execFile);

test("the sandbox's Alertmanager config passes amtool check-config and routes both directions to the scaler with resolves", async (t) => {
  if (!(await requireTool(t, "amtool"))) return;
  const dir = await tempDir(t, "am-config-");
  await writeFile(join(dir, "token"), "s3cret\n");
  const text = renderAlertmanagerConfig({
    webhookUrl: "http://127.0.0.1:8090/webhook",
    tokenFile: join(dir, "token"),
    groupWaitSeconds: 1,
    groupIntervalSeconds: 5,
    repeatIntervalSeconds: 5,
  });
  await writeFile(join(dir, "alertmanager.yml"), text);
  const { stdout } = await run("amtool", ["check-config", join(dir, "alertmanager.yml")]);
  t.regex(stdout, /SUCCESS/);
  const config = parse(text) as {
    route: Record<string, unknown>;
    receivers: { name: string; webhook_configs: Record<string, unknown>[] }[];
  };
  t.like(config.route, { group_wait: "1s", group_interval: "5s", repeat_interval: "5s" });
  t.deepEqual(config.route["group_by"], ["alertname", "scale"]);
  t.like(config.receivers[0]?.webhook_configs[0], { url: "http://127.0.0.1:8090/webhook", send_resolved: true });
  t.false(text.includes("s3cret"), "the token stays in its own file");
  // amtool sees which receiver an up and a down alert reach.
  for (const direction of ["up", "down"]) {
    const routed = await run("amtool", [
      "config",
      "routes",
      "test",
      "--config.file",
      join(dir, "alertmanager.yml"),
      `scale=${direction}`,
      "alertname=PoolCpuHigh",
    ]);
    t.is(routed.stdout.trim(), config.receivers[0]?.name);
  }
});

test("bad timings and URLs are refused before anything is written", (t) => {
  t.throws(() => renderAlertmanagerConfig({ webhookUrl: "ftp://x/webhook" }), { instanceOf: RangeError });
  t.throws(() => renderAlertmanagerConfig({ webhookUrl: "http://127.0.0.1:8090/webhook", groupWaitSeconds: 0.5 }), {
    instanceOf: RangeError,
  });
});
