/** The rendered file, read by Prometheus' own file_sd code (`promtool check service-discovery`). */
import test from "ava";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Instance } from "../../../lib/exoscale/types.js";
import { writeFileAtomic } from "../../../lib/shared/atomicWrite.js";
import { renderFileSd, targetGroups } from "../../../services/sd-agent/render.js";
import { tempDir } from "../../helpers/fs.js";
import { requireTool } from "../../helpers/tools.js";

const run = promisify(execFile);
const POOL = "9a3c5a6e-1f2b-4c3d-8e4f-5a6b7c8d9e0f";

interface Discovered {
  labels: Record<string, string>;
}

async function discover(dir: string): Promise<Discovered[]> {
  const config = join(dir, "prometheus.yml");
  await writeFile(config, `scrape_configs:\n  - job_name: nodes\n    file_sd_configs:\n      - files: ["${join(dir, "sd", "*.json")}"]\n`);
  const { stdout } = await run("promtool", ["check", "service-discovery", "--timeout=1s", config, "nodes"], { timeout: 20_000 });
  // promtool lists targets in no fixed order; compare them by address.
  const address = (d: Discovered): string => d.labels["__address__"] ?? "";
  return (JSON.parse(stdout) as Discovered[]).sort((a, b) => address(a).localeCompare(address(b)));
}

function member(id: string, ip: string): Instance {
  return { id, name: `pool-${id}`, state: "running", publicIp: ip, createdAt: "", managerId: POOL, labels: {} };
}

test("Prometheus reads our targets and labels, and ignores a half-written temporary file", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  const dir = await tempDir(t, "sd-promtool-");
  const file = join(dir, "sd", "config.json");
  await writeFileAtomic(
    file,
    renderFileSd(targetGroups([{ poolId: POOL, members: [member("a", "127.0.0.3"), member("b", "127.0.0.2")] }], 9100, "ch-gva-2")),
  );
  // What a crash mid-write would leave: the temp name must not match the *.json glob.
  await writeFile(join(dir, "sd", ".config.json.1234.abcd.tmp"), '[{"targets": ["127.0.0.9');

  const discovered = await discover(dir);
  t.deepEqual(
    discovered.map((d) => d.labels),
    [
      ["127.0.0.2:9100", "b"],
      ["127.0.0.3:9100", "a"],
    ].map(([address, id]) => ({
      __address__: address!,
      __metrics_path__: "/metrics",
      __scheme__: "http",
      __scrape_interval__: "1m",
      __scrape_timeout__: "10s",
      exoscale_instance_id: id!,
      exoscale_instance_name: `pool-${id}`,
      exoscale_pool_id: POOL,
      exoscale_zone: "ch-gva-2",
      instance: address!,
      job: "nodes",
    })),
  );

  await writeFileAtomic(file, renderFileSd([]));
  t.deepEqual(await discover(dir), []);
});
