/**
 * Builds the host image in a process of its own (rehearsal.ts runs it when the cache misses). Prints the
 * Image as JSON on its last line.
 */
import { ensureImage, imageRecipe, systemDebianMirror } from "./image.js";

const image = await ensureImage(imageRecipe(systemDebianMirror()), (line) => process.stderr.write(`${line}\n`));
process.stdout.write(`${JSON.stringify(image)}\n`);
