/**
 * Both bundles install their SIGTERM/SIGINT handlers before they load anything heavy, so a stop sent while
 * they start never meets Node's default (death by signal, exit 143). A preload records, in order, when
 * a SIGTERM handler goes in and when the first networking or compression module is required.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { BUNDLES, bundleOptions } from "../../scripts/bundles.mjs";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
let outDir = "";

const PRELOAD = `
const Module = require("node:module");
const order = [];
const on = process.on;
process.on = function (event, ...rest) {
  if (event === "SIGTERM") order.push({ what: "SIGTERM handler", ms: Math.round(performance.now()) });
  return on.call(this, event, ...rest);
};
const load = Module.prototype.require;
Module.prototype.require = function (id) {
  if (/^(node:)?(http|https|net|zlib|crypto)$/.test(id)) order.push({ what: "require " + id, ms: Math.round(performance.now()) });
  return load.apply(this, arguments);
};
on.call(process, "exit", () => require("node:fs").writeSync(2, "ORDER " + JSON.stringify(order) + "\\n"));
`;

test.before(async () => {
  outDir = await mkdtemp(join(tmpdir(), "bundle-signals-"));
  await writeFile(join(outDir, "preload.cjs"), PRELOAD);
  for (const [name, entry] of Object.entries(BUNDLES)) await build(bundleOptions(join(ROOT, entry), join(outDir, `${name}.cjs`)));
});
test.after.always(async () => {
  if (outDir !== "") await rm(outDir, { recursive: true, force: true });
});

for (const name of Object.keys(BUNDLES)) {
  test(`${name}: the SIGTERM handler is installed before any networking module is loaded`, async (t) => {
    // An empty environment: the service loads, finds its configuration invalid and exits 2.
    const result = await run(process.execPath, ["--require", join(outDir, "preload.cjs"), join(outDir, `${name}.cjs`)], {
      env: { PATH: process.env["PATH"] ?? "" },
      timeout: 20_000,
    }).catch((error: { code?: number; stderr?: string }) => error);
    t.is((result as { code?: number }).code, 2);
    const line = String((result as { stderr?: string }).stderr)
      .split("\n")
      .find((l) => l.startsWith("ORDER "));
    const order = JSON.parse(line?.slice(6) ?? "[]") as { what: string; ms: number }[];
    t.is(order[0]?.what, "SIGTERM handler", JSON.stringify(order));
    t.true(
      order.some((entry) => entry.what.startsWith("require")),
      "the service's modules were loaded afterwards",
    );
    t.log(`handler in at ${order[0]?.ms} ms; first networking module at ${order.find((e) => e.what.startsWith("require"))?.ms} ms`);
  });
}
