import test from "ava";
import { spawnSync } from "node:child_process";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { tempDir } from "../../helpers/fs.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function demo(args: string[], path: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", "sandbox/demo/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: path },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("without Prometheus and Alertmanager the demo prints the exact install command and exits 2", async (t) => {
  // A PATH with node alone: neither prometheus nor prometheus-alertmanager can be found.
  const bin = await tempDir(t, "demo-path-");
  await symlink(process.execPath, join(bin, "node"));
  const run = demo([], bin);
  t.is(run.status, 2, run.stderr);
  t.regex(run.stderr, /sudo apt-get install -y --no-install-recommends prometheus prometheus-alertmanager/);
});

test("--help lists the options and exits 0; a bad option exits 2 naming it", (t) => {
  const help = demo(["--help"], process.env["PATH"] ?? "");
  t.is(help.status, 0);
  for (const option of ["--out", "--time-limit", "--concurrency", "--tick", "--keep-running", "--min-size"])
    t.true(help.stdout.includes(option), option);
  const bad = demo(["--tick", "0"], process.env["PATH"] ?? "");
  t.is(bad.status, 2);
  t.regex(bad.stderr, /--tick must be at least 1, got 0/);
});
