/** The rehearsal's pure parts: prerequisites, image recipe and mirror, nft rules, graph order, dialling, checks' parsers. */
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { controlFile, grafanaServerUnit, packagesStanza, releaseFile } from "../../../sandbox/rehearsal/aptRepo.js";
import { expectedFiles, fileProblems, sdTargets, snapshotDifferences, statCommand } from "../../../sandbox/rehearsal/checks.js";
import { nspawnArgs } from "../../../sandbox/rehearsal/container.js";
import { dialPlan, dialWithRetry, PROVIDER_DEFAULTS } from "../../../sandbox/rehearsal/driver.js";
import { changedSteps, topologicalOrder, type Step } from "../../../sandbox/rehearsal/graph.js";
import { debianMirrorFrom, imageRecipe, recipeKey } from "../../../sandbox/rehearsal/image.js";
import { nftRuleset } from "../../../sandbox/rehearsal/network.js";
import { checkPrerequisites, prerequisiteProblems } from "../../../sandbox/rehearsal/prerequisites.js";
import { mountsUnder } from "../../../sandbox/rehearsal/teardown.js";
import ssh2 from "ssh2";
import { HOST_LAYOUT } from "../../../contracts/hostLayout.js";
import { generateSshKey } from "../../../sandbox/rehearsal/rehearsal.js";

const run = promisify(execFile);

test("prerequisites: not root and missing commands are named with the install command", (t) => {
  const p = checkPrerequisites(1000, (command) => command !== "debootstrap" && command !== "nft");
  t.false(p.root);
  t.deepEqual(p.missingPackages, ["debootstrap", "nftables"]);
  const text = prerequisiteProblems(p) ?? "";
  t.regex(text, /must run as root/);
  t.regex(text, /apt-get install --no-install-recommends debootstrap nftables/);
  t.is(prerequisiteProblems(checkPrerequisites(0, () => true)), undefined);
});

test("`npm run rehearse` as another user says it needs root and exits 2", async (t) => {
  if (process.getuid?.() !== 0) {
    const error = await t.throwsAsync(
      run("node", ["--import", "tsx", "sandbox/rehearsal/main.ts"], { cwd: join(import.meta.dirname, "../../..") }),
    );
    t.is((error as { code?: number }).code, 2);
    t.regex((error as { stderr?: string }).stderr ?? "", /must run as root/);
    return;
  }
  // As root, run it as nobody through setpriv when it exists; otherwise the pure test above covers the message.
  const result = await run(
    "setpriv",
    ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--import", "tsx", "sandbox/rehearsal/main.ts"],
    { cwd: join(import.meta.dirname, "../../.."), env: { ...process.env, HOME: "/tmp" } },
  ).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? "" }),
  );
  if (result.code === undefined || /EACCES|permission denied/i.test(result.stderr)) {
    t.log(`setpriv could not run the command as nobody here: ${result.stderr.split("\n")[0]}`);
    t.pass();
    return;
  }
  t.is(result.code, 2, result.stderr);
  t.regex(result.stderr, /must run as root/);
});

test("the image's cache key follows the recipe: packages (in any order), suite and mirror", (t) => {
  const a = imageRecipe("http://deb.debian.org/debian");
  t.is(recipeKey(a), recipeKey({ ...a, packages: [...a.packages].reverse() }));
  t.not(recipeKey(a), recipeKey(imageRecipe("http://mirror.example/debian")));
  t.not(recipeKey(a), recipeKey(imageRecipe("http://deb.debian.org/debian", "trixie")));
  t.not(recipeKey(a), recipeKey({ ...a, packages: [...a.packages, "vim"] }));
});

test("the Debian mirror comes from the machine's apt sources, deb822 or one-line", (t) => {
  const deb822 =
    "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\n";
  t.is(debianMirrorFrom([{ name: "debian.sources", text: deb822 }]), "http://deb.debian.org/debian");
  t.is(
    debianMirrorFrom([
      { name: "nodesource.list", text: "deb https://deb.nodesource.com/node_20.x nodistro main\n" },
      { name: "sources.list", text: "# comment\ndeb [arch=amd64] http://ftp.example.org/debian/ bookworm main\n" },
    ]),
    "http://ftp.example.org/debian",
  );
  t.is(debianMirrorFrom([{ name: "x.list", text: "deb https://packages.cloud.google.com/apt cloud-sdk main\n" }]), undefined);
});

test("NAT: masquerade only what comes from the namespace's subnet, in a table of its own", (t) => {
  const rules = nftRuleset();
  t.regex(rules, /^table ip exo_rehearsal \{/);
  t.regex(rules, /ip saddr 10\.231\.0\.0\/30 oifname != "exoreh-host" masquerade/);
});

test("nspawn boots without registering, in the rehearsal's network namespace", (t) => {
  const args = nspawnArgs("/x/root");
  for (const a of ["--boot", "--register=no", "--keep-unit", "--network-namespace-path=/run/netns/exo-rehearsal"])
    t.true(args.includes(a), a);
  t.is(args[args.indexOf("-D") + 1], "/x/root");
});

const step = (urn: string, dependencies: string[] = [], triggers = "[]"): Step => ({
  kind: "command",
  step: urn,
  urn,
  connection: { host: "h", user: "u", privateKey: "k" },
  create: "true",
  triggers,
  dependencies,
});

test("steps run in dependency order, stable otherwise; a cycle is refused", (t) => {
  const order = topologicalOrder([step("c", ["b"]), step("a"), step("b", ["a"]), step("d", ["a", "outside"])]);
  t.deepEqual(
    order.map((s) => s.urn),
    ["a", "b", "c", "d"],
  );
  t.throws(() => topologicalOrder([step("x", ["y"]), step("y", ["x"])]), { message: /cycle/ });
});

test("changedSteps: only the steps whose triggers (or command) differ", (t) => {
  const before = [step("a", [], '["1"]'), step("b", [], '["2"]')];
  const after = [step("a", [], '["1"]'), step("b", [], '["3"]')];
  t.deepEqual(
    changedSteps(before, after).map((s) => s.step),
    ["b"],
  );
});

test("dialling follows the connection: dialErrorLimit attempts of perDialTimeout each, defaults as the provider's", async (t) => {
  t.deepEqual(dialPlan({ dialErrorLimit: 60, perDialTimeout: 10 }), { attempts: 60, perDialMs: 10_000 });
  t.deepEqual(dialPlan({}), { attempts: PROVIDER_DEFAULTS.dialErrorLimit, perDialMs: PROVIDER_DEFAULTS.perDialTimeout * 1000 });
  let calls = 0;
  const timeouts: number[] = [];
  const ok = await dialWithRetry(
    { attempts: 5, perDialMs: 1234 },
    async (ms) => {
      timeouts.push(ms);
      if (++calls < 3) throw new Error("ECONNREFUSED");
      return "client";
    },
    () => {},
    0,
  );
  t.deepEqual(ok, { value: "client", failedDials: 2 });
  t.deepEqual(timeouts, [1234, 1234, 1234]);
  calls = 0;
  await t.throwsAsync(
    dialWithRetry(
      { attempts: 3, perDialMs: 1 },
      async () => {
        calls++;
        throw new Error("ECONNREFUSED");
      },
      () => {},
      0,
    ),
    { message: /could not connect after 3 dials.*ECONNREFUSED/ },
  );
  t.is(calls, 3);
  calls = 0;
  await t.throwsAsync(
    dialWithRetry(
      { attempts: 5, perDialMs: 1 },
      async () => {
        calls++;
        throw new Error("Cannot parse privateKey: Malformed OpenSSH private key");
      },
      () => {},
      0,
    ),
    { message: /could not connect: Cannot parse privateKey/ },
  );
  t.is(calls, 1, "an unreadable key is not dialled again");
});

test("the run's SSH key is always one ssh2 can parse", (t) => {
  for (let i = 0; i < 50; i++) t.false(ssh2.utils.parseKey(generateSshKey().private) instanceof Error);
});

test("owners and modes: every intended file compared with stat's lines", (t) => {
  const expected = expectedFiles("ubuntu");
  const scalerEnv = HOST_LAYOUT.services.scaler.envFile;
  t.true(expected.some((f) => f.path === scalerEnv && f.mode === "600" && f.owner === "autoscaler-scaler"));
  const good = expected.map((f) => `${f.mode} ${f.owner} ${f.group} ${f.path}`).join("\n");
  t.deepEqual(fileProblems(expected, good), []);
  const bad = good.replace(`600 autoscaler-scaler autoscaler-scaler ${scalerEnv}`, `644 autoscaler-scaler autoscaler-scaler ${scalerEnv}`);
  t.deepEqual(fileProblems(expected, bad), [
    `${scalerEnv} is 644 autoscaler-scaler autoscaler-scaler, intended 600 autoscaler-scaler autoscaler-scaler`,
  ]);
  const missing = good.replace(new RegExp(`^.* ${HOST_LAYOUT.scalerStateFile}$`, "m"), `missing - - ${HOST_LAYOUT.scalerStateFile}`);
  t.deepEqual(fileProblems(expected, missing), [], "the scaler's state file may not be written yet");
  t.regex(statCommand(["/a b"]), /'\/a b'/);
});

test("SD targets and snapshot differences", (t) => {
  t.deepEqual(sdTargets('[{"targets":["127.0.0.2:9100"],"labels":{}},{"targets":["127.0.0.3:9100"]}]'), [
    "127.0.0.2:9100",
    "127.0.0.3:9100",
  ]);
  t.deepEqual(snapshotDifferences({ a: "1", b: "2" }, { a: "1", b: "3", c: "4" }), ["b: 2 → 3", "c: absent → 4"]);
});

test("mounts under the work folder are found, deepest first", (t) => {
  const info = [
    "22 1 0:21 / / rw - ext4 /dev/vda rw",
    "30 22 0:30 / /w/.rehearsal/run/root rw - overlay o rw",
    "31 30 0:31 / /w/.rehearsal/run/root/proc rw - proc p rw",
    "32 22 0:32 / /w/.rehearsalx rw - tmpfs t rw",
  ].join("\n");
  t.deepEqual(mountsUnder("/w/.rehearsal", info), ["/w/.rehearsal/run/root/proc", "/w/.rehearsal/run/root"]);
});

test("the stand-in packages: control file, Packages stanza, Release with hashes, and a unit that reads our env file", (t) => {
  const control = controlFile({ name: "grafana", version: "12.4.0", architecture: "amd64", description: "d", files: [] });
  t.regex(control, /^Package: grafana\nVersion: 12\.4\.0\n/);
  const stanza = packagesStanza(control, "pool/main/grafana_12.4.0_amd64.deb", Buffer.from("deb"));
  t.regex(stanza, /^Filename: pool\/main\/grafana_12\.4\.0_amd64\.deb$/m);
  t.regex(stanza, /^SHA256: [0-9a-f]{64}$/m);
  const release = releaseFile("stable", [{ path: "main/binary-amd64/Packages", data: Buffer.from("x") }], new Date(0));
  t.regex(release, /^Suite: stable$/m);
  t.regex(release, /^ [0-9a-f]{64} 1 main\/binary-amd64\/Packages$/m);
  const unit = grafanaServerUnit();
  t.regex(unit, /^ExecStart=\/usr\/bin\/node \S+grafana\.cjs --port 3000 --host 0\.0\.0\.0$/m);
  t.notRegex(unit, /EnvironmentFile/, "the password comes from the drop-in's EnvironmentFile, as with the real package");
});

test("the stand-in Grafana unit passes systemd-analyze verify", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "rehearsal-unit-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { writeFile } = await import("node:fs/promises");
  const file = join(dir, "grafana-server.service");
  await writeFile(file, grafanaServerUnit("/bin/true"));
  try {
    await run("systemd-analyze", ["verify", file]);
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? "");
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      if (process.env.CI === "true") throw error;
      t.log("systemd-analyze not installed: skipped");
      t.pass();
      return;
    }
    // User=grafana does not exist on this machine: the only complaint allowed.
    t.true(
      stderr
        .split("\n")
        .filter(Boolean)
        .every((l) => /grafana/.test(l) && /user|User/.test(l)),
      stderr,
    );
  }
  t.truthy(await readFile(file, "utf8"));
});
