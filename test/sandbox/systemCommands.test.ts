/** Finding the machine's own commands past npm's node_modules/.bin folders. */
import test from "ava";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { findSystemCommand, isNpmBinDir, searchDirs, SYSTEM_DIRS } from "../../sandbox/systemCommands.js";

function fakeCommand(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, "#!/bin/sh\nexit 0\n");
  chmodSync(file, 0o755);
  return file;
}

test("an npm CLI named like a system tool is passed over for the system one", (t) => {
  const base = mkdtempSync(join(tmpdir(), "syscmd-"));
  const npmBin = join(base, "project", "node_modules", ".bin");
  const system = join(base, "sbin");
  fakeCommand(npmBin, "nft");
  const real = fakeCommand(system, "nft");
  t.is(findSystemCommand("nft", { path: [npmBin, system].join(delimiter) }), real);
});

test("PATH order is kept among the other folders, and a missing command is undefined", (t) => {
  const base = mkdtempSync(join(tmpdir(), "syscmd-"));
  const first = fakeCommand(join(base, "a"), "prometheus");
  fakeCommand(join(base, "b"), "prometheus");
  const path = [join(base, "a"), join(base, "b")].join(delimiter);
  t.is(findSystemCommand("prometheus", { path }), first);
  t.is(findSystemCommand("no-such-command-here", { path, executable: () => false }), undefined);
});

test("the standard folders are searched even when PATH lacks sbin", (t) => {
  const seen: string[] = [];
  const executable = (file: string) => {
    seen.push(file);
    return file === "/usr/sbin/nft";
  };
  t.is(findSystemCommand("nft", { path: "/usr/bin", executable }), "/usr/sbin/nft");
  t.deepEqual(seen.slice(0, 3), ["/usr/bin/nft", "/usr/local/sbin/nft", "/usr/local/bin/nft"]);
});

test("with no fallback folders only PATH counts (the demo finds its tools as the user's shell would)", (t) => {
  t.is(findSystemCommand("nft", { path: "/usr/bin", fallbackDirs: [], executable: (file) => file === "/usr/sbin/nft" }), undefined);
});

test("npm's folders are recognised; relative and empty PATH entries are dropped", (t) => {
  t.true(isNpmBinDir("/work/main/node_modules/.bin"));
  t.true(isNpmBinDir("/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin"));
  t.false(isNpmBinDir("/usr/sbin"));
  t.false(isNpmBinDir("/opt/.bin"));
  t.deepEqual(searchDirs(`::relative${delimiter}/opt/tools${delimiter}/x/node_modules/.bin`), ["/opt/tools", ...SYSTEM_DIRS]);
});

test("a path with a slash is taken as given", (t) => {
  const base = mkdtempSync(join(tmpdir(), "syscmd-"));
  const file = fakeCommand(base, "tool");
  t.is(findSystemCommand(file, { path: "" }), file);
  t.is(findSystemCommand(join(base, "absent"), { path: "" }), undefined);
});
