/**
 * The package stand-ins, as a signed apt repository served over HTTP from the host side of the veth:
 * `grafana` at the stack's version, whose payload is the strict fake Grafana (sandbox/grafana) run as the
 * `grafana-server` unit, and `nodejs` wrapping this machine's node binary (NodeSource is not reachable
 * here). Signed with a throwaway key generated for the run.
 */
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { chmod, copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { dirname, join, normalize } from "node:path";
import { buildSync } from "esbuild";
import { run } from "./exec.js";
import { REPO_ROOT } from "./settings.js";

export const STANDIN_GRAFANA_DIR = "/usr/share/grafana-standin";

/** The stand-in's unit: the fake Grafana on :3000, reading our drop-in's GF_SECURITY_ADMIN_PASSWORD. */
export function grafanaServerUnit(nodePath = "/usr/bin/node"): string {
  return [
    "[Unit]",
    "Description=Grafana stand-in for the rehearsal: the strict fake Grafana of sandbox/grafana",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    "User=grafana",
    "Group=grafana",
    `ExecStart=${nodePath} ${STANDIN_GRAFANA_DIR}/grafana.cjs --port 3000 --host 0.0.0.0`,
    "Restart=on-failure",
    "RestartSec=2",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

export interface DebPackage {
  name: string;
  version: string;
  architecture: string;
  description: string;
  depends?: string;
  /** Files of the payload: path inside the package → content or a file to copy, with its mode. */
  files: { path: string; from?: string; content?: string; mode: number }[];
  postinst?: string;
}

export function controlFile(p: DebPackage): string {
  return [
    `Package: ${p.name}`,
    `Version: ${p.version}`,
    `Architecture: ${p.architecture}`,
    "Maintainer: exoscale-autoscaler rehearsal <rehearsal@localhost>",
    ...(p.depends ? [`Depends: ${p.depends}`] : []),
    "Section: misc",
    "Priority: optional",
    `Description: ${p.description}`,
    "",
  ].join("\n");
}

export async function buildDeb(p: DebPackage, workDir: string, outDir: string): Promise<string> {
  const tree = join(workDir, `${p.name}-tree`);
  await rm(tree, { recursive: true, force: true });
  await mkdir(join(tree, "DEBIAN"), { recursive: true });
  await writeFile(join(tree, "DEBIAN/control"), controlFile(p));
  if (p.postinst) {
    await writeFile(join(tree, "DEBIAN/postinst"), p.postinst);
    await chmod(join(tree, "DEBIAN/postinst"), 0o755);
  }
  for (const file of p.files) {
    const target = join(tree, file.path);
    await mkdir(dirname(target), { recursive: true });
    if (file.from) await copyFile(file.from, target);
    else await writeFile(target, file.content ?? "");
    await chmod(target, file.mode);
  }
  await mkdir(outDir, { recursive: true });
  const deb = join(outDir, `${p.name}_${p.version}_${p.architecture}.deb`);
  // Uncompressed: the node binary is 100 MB and xz would take most of a minute; the veth does not care.
  await run("dpkg-deb", ["--root-owner-group", "-Znone", "--build", tree, deb]);
  await rm(tree, { recursive: true, force: true });
  return deb;
}

const digest = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest("hex");

/** A Packages stanza for one .deb (its control file plus where it is and its hashes). */
export function packagesStanza(control: string, filename: string, data: Buffer): string {
  return [
    control.trimEnd(),
    `Filename: ${filename}`,
    `Size: ${data.length}`,
    `MD5sum: ${digest("md5", data)}`,
    `SHA256: ${digest("sha256", data)}`,
    "",
  ].join("\n");
}

export function releaseFile(suite: string, files: { path: string; data: Buffer }[], date = new Date()): string {
  const lines = (algorithm: string) => files.map((f) => ` ${digest(algorithm, f.data)} ${f.data.length} ${f.path}`);
  return [
    "Origin: exoscale-autoscaler-rehearsal",
    "Label: exoscale-autoscaler-rehearsal",
    `Suite: ${suite}`,
    `Codename: ${suite}`,
    `Date: ${date.toUTCString()}`,
    "Architectures: amd64",
    "Components: main",
    "MD5Sum:",
    ...lines("md5"),
    "SHA256:",
    ...lines("sha256"),
    "",
  ].join("\n");
}

/** One repository (dists/<suite>/main/binary-amd64 and pool/main) of the given .debs, signed. */
async function writeRepo(dir: string, suite: string, debs: string[], sign: (file: string, out: string) => Promise<void>): Promise<void> {
  await mkdir(join(dir, "pool/main"), { recursive: true });
  const stanzas: string[] = [];
  for (const deb of debs) {
    const name = deb.slice(deb.lastIndexOf("/") + 1);
    await copyFile(deb, join(dir, "pool/main", name));
    const control = (await run("dpkg-deb", ["-f", deb])).stdout;
    stanzas.push(packagesStanza(control, `pool/main/${name}`, readFileSync(deb)));
  }
  const packages = Buffer.from(stanzas.join("\n"));
  const dists = join(dir, "dists", suite);
  await mkdir(join(dists, "main/binary-amd64"), { recursive: true });
  await writeFile(join(dists, "main/binary-amd64/Packages"), packages);
  await writeFile(join(dists, "Release"), releaseFile(suite, [{ path: "main/binary-amd64/Packages", data: packages }]));
  await sign(join(dists, "Release"), join(dists, "InRelease"));
}

export interface SigningKey {
  home: string;
  fingerprint: string;
  armored: string;
}

export async function generateSigningKey(home: string): Promise<SigningKey> {
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true, mode: 0o700 });
  const gpg = (...args: string[]) => run("gpg", ["--homedir", home, "--batch", "--no-tty", ...args]);
  await gpg("--passphrase", "", "--quick-gen-key", "exoscale-autoscaler rehearsal <rehearsal@localhost>", "ed25519", "sign", "1d");
  const listing = (await gpg("--with-colons", "--list-secret-keys")).stdout;
  const fingerprint = /^fpr:(?::*)([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in gpg's listing:\n${listing}`);
  const armored = (await gpg("--armor", "--export", fingerprint)).stdout;
  return { home, fingerprint, armored };
}

/** Stops the gpg-agent a key's home started (it would outlive the run otherwise). */
export async function stopGpgAgent(home: string): Promise<void> {
  await run("gpgconf", ["--homedir", home, "--kill", "all"], { allowFailure: true });
}

export interface StandInRepo {
  dir: string;
  grafanaDeb: string;
  nodeDeb: string;
  key: SigningKey;
}

/** The fake Grafana as one file plain node runs. */
export function bundleFakeGrafana(outfile: string): void {
  buildSync({
    entryPoints: [join(REPO_ROOT, "sandbox/grafana/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    logLevel: "silent",
  });
}

export async function buildStandInRepo(dir: string, grafanaVersion: string, nodeBinary = process.execPath): Promise<StandInRepo> {
  await rm(dir, { recursive: true, force: true });
  const work = join(dir, ".work");
  await mkdir(work, { recursive: true });
  const grafanaCjs = join(work, "grafana.cjs");
  bundleFakeGrafana(grafanaCjs);
  const debs = join(work, "debs");
  const grafanaDeb = await buildDeb(
    {
      name: "grafana",
      version: grafanaVersion,
      architecture: "amd64",
      description: "Grafana stand-in for the exoscale-autoscaler rehearsal (the strict fake Grafana)",
      files: [
        { path: `${STANDIN_GRAFANA_DIR.slice(1)}/grafana.cjs`, from: grafanaCjs, mode: 0o644 },
        { path: "lib/systemd/system/grafana-server.service", content: grafanaServerUnit(), mode: 0o644 },
      ],
      // As Grafana's package: a system user `grafana`, the unit known to systemd, not started.
      postinst: [
        "#!/bin/sh",
        "set -e",
        "if ! getent passwd grafana >/dev/null; then",
        "  useradd --system --user-group --no-create-home --home-dir /usr/share/grafana --shell /bin/false grafana",
        "fi",
        "if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi",
        "",
      ].join("\n"),
    },
    work,
    debs,
  );
  const nodeVersion = process.versions.node;
  const nodeDeb = await buildDeb(
    {
      name: "nodejs",
      version: `${nodeVersion}-1rehearsal`,
      architecture: "amd64",
      description: `Node.js ${nodeVersion}: this machine's node binary, standing in for NodeSource's package`,
      depends: "libc6 (>= 2.28), libstdc++6, libgcc-s1",
      files: [{ path: "usr/bin/node", from: nodeBinary, mode: 0o755 }],
    },
    work,
    debs,
  );
  const key = await generateSigningKey(join(work, "gnupg"));
  const sign = (file: string, out: string) =>
    run("gpg", [
      "--homedir",
      key.home,
      "--batch",
      "--no-tty",
      "--yes",
      "--local-user",
      key.fingerprint,
      "--clearsign",
      "-o",
      out,
      file,
    ]).then(() => undefined);
  await writeRepo(join(dir, "grafana"), "stable", [grafanaDeb], sign);
  await writeRepo(join(dir, "node"), "nodistro", [nodeDeb], sign);
  await writeFile(join(dir, "key.asc"), key.armored);
  return { dir, grafanaDeb, nodeDeb, key };
}

export interface RepoServer {
  url: string;
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

/** Serves `dir` read-only (GET and HEAD, no listings, nothing outside it; the .work folder is private). */
export function serveDirectory(dir: string, host: string, port: number): Promise<RepoServer> {
  const requests: { path: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(dir, path));
    let status = 404;
    try {
      if ((req.method === "GET" || req.method === "HEAD") && file.startsWith(`${dir}/`) && !file.includes("/.work")) {
        const stat = statSync(file);
        if (stat.isFile()) {
          status = 200;
          res.writeHead(200, { "content-length": stat.size, "content-type": "application/octet-stream" });
          if (req.method === "HEAD") res.end();
          else createReadStream(file).pipe(res);
        }
      }
    } catch {
      status = 404;
    }
    requests.push({ path, status });
    if (status !== 200) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      resolve({
        url: `http://${host}:${port}`,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
