/**
 * The rehearsal host's root file system: a Debian 12 minbase with systemd, sshd and sudo, plus what
 * cloud-init would have done on Exoscale (the `ubuntu` user with sudo, a hostname, /etc/hosts). Built once
 * per recipe with debootstrap and cached under .rehearsal/images/<hash>; each run boots a copy, so the cache
 * stays clean.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, chown, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./exec.js";
import { HOSTNAME, IMAGE_CACHE_DIR, SSH_USER } from "./settings.js";

export const IMAGE_PACKAGES = [
  "systemd",
  "systemd-sysv",
  "dbus",
  "openssh-server",
  "sudo",
  "curl",
  "ca-certificates",
  "iproute2",
  "gnupg",
] as const;

/** Bump when the customisation below changes: the cache key covers it. */
const CUSTOMISATION_VERSION = 2;

export interface ImageRecipe {
  suite: string;
  mirror: string;
  packages: readonly string[];
  customisation: number;
}

export function imageRecipe(mirror: string, suite = "bookworm"): ImageRecipe {
  return { suite, mirror, packages: [...IMAGE_PACKAGES], customisation: CUSTOMISATION_VERSION };
}

export function recipeKey(recipe: ImageRecipe): string {
  const canonical = JSON.stringify({ ...recipe, packages: [...recipe.packages].sort() });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/**
 * The Debian mirror this machine's apt uses, from its source lists (one-line and deb822 formats): the
 * first `deb` source whose URI path ends in /debian.
 */
export function debianMirrorFrom(files: { name: string; text: string }[]): string | undefined {
  for (const { name, text } of files) {
    if (name.endsWith(".sources")) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (key: string) => new RegExp(`^${key}:\\s*(.+)$`, "mi").exec(stanza)?.[1]?.trim();
        if (!/^deb$|(^|\s)deb(\s|$)/.test(field("Types") ?? "")) continue;
        for (const uri of (field("URIs") ?? "").split(/\s+/)) if (/^https?:\/\/[^\s]+\/debian\/?$/.test(uri)) return uri.replace(/\/$/, "");
      }
    } else {
      for (const line of text.split("\n")) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(https?:\/\/\S+\/debian)\/?\s+\S+/.exec(line);
        if (m) return m[1];
      }
    }
  }
  return undefined;
}

export function systemDebianMirror(): string {
  const files: { name: string; text: string }[] = [];
  if (existsSync("/etc/apt/sources.list")) files.push({ name: "sources.list", text: readFileSync("/etc/apt/sources.list", "utf8") });
  const dir = "/etc/apt/sources.list.d";
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith(".list") || name.endsWith(".sources")) files.push({ name, text: readFileSync(join(dir, name), "utf8") });
    }
  }
  const mirror = debianMirrorFrom(files);
  if (!mirror) throw new Error("rehearse: no Debian mirror (a URI ending in /debian) in /etc/apt/sources.list or sources.list.d");
  return mirror;
}

/** What cloud-init would have done: user, sudo, hostname, /etc/hosts, a locale, apt sources. */
async function customise(root: string, recipe: ImageRecipe): Promise<void> {
  await writeFile(join(root, "etc/hostname"), `${HOSTNAME}\n`);
  // A minbase root has no /etc/hosts: without it `localhost` does not resolve (Prometheus' own job).
  await writeFile(join(root, "etc/hosts"), `127.0.0.1\tlocalhost\n127.0.1.1\t${HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  await writeFile(join(root, "etc/default/locale"), "LANG=C.UTF-8\n");
  await writeFile(
    join(root, "etc/apt/sources.list"),
    [`deb ${recipe.mirror} ${recipe.suite} main`, `deb ${recipe.mirror} ${recipe.suite}-updates main`, ""].join("\n"),
  );
  // apt inside a container: no documentation, no recommends (smaller, faster).
  await writeFile(join(root, "etc/apt/apt.conf.d/99rehearsal"), 'APT::Install-Recommends "false";\nAcquire::Retries "3";\n');
  await run("chroot", [root, "useradd", "--create-home", "--shell", "/bin/bash", "--user-group", SSH_USER]);
  await writeFile(join(root, "etc/sudoers.d/90-rehearsal-ubuntu"), `${SSH_USER} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
  // Units a container cannot run, which would only leave the system degraded.
  for (const unit of ["nvmf-autoconnect.service", "systemd-timesyncd.service"]) {
    await run("chroot", [root, "systemctl", "mask", unit], { allowFailure: true });
  }
  await run("chroot", [root, "systemctl", "enable", "ssh.service"], { allowFailure: true });
}

export interface Image {
  key: string;
  root: string;
  built: boolean;
  buildMs: number;
}

export function imageIsCached(recipe: ImageRecipe): boolean {
  const root = join(IMAGE_CACHE_DIR, recipeKey(recipe));
  return existsSync(join(root, "etc/os-release")) && existsSync(join(root, ".rehearsal-complete"));
}

/** The cached root for this recipe, built first when absent. */
export async function ensureImage(recipe: ImageRecipe, log: (line: string) => void): Promise<Image> {
  const key = recipeKey(recipe);
  const root = join(IMAGE_CACHE_DIR, key);
  if (imageIsCached(recipe)) {
    log(`image: reusing ${root}`);
    return { key, root, built: false, buildMs: 0 };
  }
  const started = Date.now();
  const building = `${root}.building`;
  await rm(building, { recursive: true, force: true });
  await mkdir(IMAGE_CACHE_DIR, { recursive: true });
  log(`image: debootstrap ${recipe.suite} from ${recipe.mirror} into ${building} (about a minute)`);
  await run("debootstrap", ["--variant=minbase", `--include=${recipe.packages.join(",")}`, recipe.suite, building, recipe.mirror], {
    timeoutMs: 15 * 60_000,
  });
  await customise(building, recipe);
  await writeFile(join(building, ".rehearsal-complete"), `${JSON.stringify(recipe)}\n`);
  await rm(root, { recursive: true, force: true });
  await rename(building, root);
  const buildMs = Date.now() - started;
  log(`image: built in ${(buildMs / 1000).toFixed(1)} s`);
  return { key, root, built: true, buildMs };
}

/** A fresh copy of the image for one run, with the run's SSH key authorised for the `ubuntu` user. */
export async function prepareRunRoot(image: Image, target: string, publicKey: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  await mkdir(join(target, ".."), { recursive: true });
  await run("cp", ["-a", "--reflink=auto", image.root, target]);
  const ssh = join(target, "home", SSH_USER, ".ssh");
  await mkdir(ssh, { recursive: true });
  await writeFile(join(ssh, "authorized_keys"), `${publicKey.trim()}\n`, { mode: 0o600 });
  const ids = readFileSync(join(target, "etc/passwd"), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${SSH_USER}:`))
    ?.split(":");
  const uid = Number(ids?.[2]);
  const gid = Number(ids?.[3]);
  await chmod(ssh, 0o700);
  await chown(ssh, uid, gid);
  await chown(join(ssh, "authorized_keys"), uid, gid);
}
