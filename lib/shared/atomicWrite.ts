/**
 * Atomic file replacement: Prometheus watches the SD directory and may read at any moment, so it must see
 * either the old file or the new one, never half of one.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * The temporary file lives in the same directory (rename is atomic only within one filesystem), starts with
 * a dot and ends in `.tmp`, so a file_sd glob like `*.json` never picks up a half-written file.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes `content` to a temporary file, fsyncs it, renames it over `path`; creates the directory if missing. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, "w", 0o644);
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // Persist the rename itself across a power loss; not every filesystem allows fsync on a directory.
  try {
    const dir = await open(directory, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // best effort
  }
}
