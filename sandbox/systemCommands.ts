/**
 * Finds the machine's own commands (nftables, iproute2, Prometheus …) for the demo and the rehearsal.
 *
 * `npm run` puts every `node_modules/.bin` first on PATH, and those folders hold CLIs whose names clash
 * with system tools: ava's dependency @vercel/nft installs one called `nft`, which accepts any
 * arguments and exits 0. A bare `nft` under `npm run` therefore never reaches nftables. So PATH is
 * searched without npm's folders, then the standard Debian folders (root's tools live in sbin, which a
 * user's PATH may lack).
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join, sep } from "node:path";

export const SYSTEM_DIRS: readonly string[] = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** True for the folders npm (or npx) adds to PATH for a package's own CLIs. */
export function isNpmBinDir(dir: string): boolean {
  const parts = dir.split(sep).filter(Boolean);
  const last = parts.length - 1;
  if (parts[last] === ".bin" && parts[last - 1] === "node_modules") return true;
  // npm's own shim folder for node-gyp, also put on PATH by `npm run`.
  return parts[last] === "node-gyp-bin";
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folders searched, in order: PATH without npm's folders, then the fallback ones not on it. */
export function searchDirs(path: string = process.env["PATH"] ?? "", fallbackDirs: readonly string[] = SYSTEM_DIRS): string[] {
  const fromPath = path.split(delimiter).filter((dir) => dir !== "" && isAbsolute(dir) && !isNpmBinDir(dir));
  return [...new Set([...fromPath, ...fallbackDirs])];
}

export interface FindOptions {
  path?: string;
  /** Searched after PATH (default: the standard folders, since a user's PATH may lack sbin). */
  fallbackDirs?: readonly string[];
  executable?: (file: string) => boolean;
}

/** The full path of the system command `command`, or undefined when this machine does not have it. */
export function findSystemCommand(command: string, options: FindOptions = {}): string | undefined {
  const executable = options.executable ?? isExecutable;
  if (command.includes("/")) return executable(command) ? command : undefined;
  for (const dir of searchDirs(options.path, options.fallbackDirs)) {
    const candidate = join(dir, command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}
