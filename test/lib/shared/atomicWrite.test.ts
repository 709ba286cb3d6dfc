import test from "ava";
import { mkdir, readFile, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tempPathFor, writeFileAtomic } from "../../../lib/shared/atomicWrite.js";
import { tempDir } from "../../helpers/fs.js";

test("the temporary file is a hidden .tmp file in the same directory, never matching *.json", (t) => {
  const temp = tempPathFor("/srv/service-discovery/config.json");
  t.is(dirname(temp), "/srv/service-discovery");
  t.regex(temp, /\/\.config\.json\.\d+\.[0-9a-f]+\.tmp$/);
  t.false(temp.endsWith(".json"));
  t.not(tempPathFor("/a/b.json"), tempPathFor("/a/b.json"));
});

test("creates missing directories, replaces the file and leaves no temporary file", async (t) => {
  const dir = await tempDir(t, "sd-atomic-");
  const file = join(dir, "nested", "sd", "config.json");
  await writeFileAtomic(file, "[]\n");
  await writeFileAtomic(file, '[{"targets":["127.0.0.2:9100"],"labels":{}}]\n');
  t.is(await readFile(file, "utf8"), '[{"targets":["127.0.0.2:9100"],"labels":{}}]\n');
  t.deepEqual(await readdir(dirname(file)), ["config.json"]);
});

test("a failed write leaves the old file and no temporary file", async (t) => {
  const dir = await tempDir(t, "sd-atomic-");
  const file = join(dir, "config.json");
  await writeFileAtomic(file, "[]\n");
  // A directory where the file should go makes the rename fail.
  const blocked = join(dir, "blocked.json");
  await mkdir(blocked);
  await t.throwsAsync(writeFileAtomic(blocked, "[]\n"));
  t.deepEqual((await readdir(dir)).sort(), ["blocked.json", "config.json"]);
  t.is(await readFile(file, "utf8"), "[]\n");
});

test("a reader polling during many rewrites only ever sees complete JSON", async (t) => {
  const dir = await tempDir(t, "sd-atomic-");
  const file = join(dir, "config.json");
  // Large and small documents alternate, so a torn read would show up as invalid JSON.
  const big = JSON.stringify(
    Array.from({ length: 400 }, (_, i) => ({ targets: [`127.0.${i >> 8}.${i & 255}:9100`], labels: { i: String(i) } })),
  );
  const small = "[]";
  await writeFileAtomic(file, small);
  let writing = true;
  let reads = 0;
  const bad: string[] = [];
  const reader = (async () => {
    while (writing) {
      const text = await readFile(file, "utf8");
      reads += 1;
      try {
        JSON.parse(text);
      } catch {
        bad.push(text.slice(0, 80));
      }
    }
  })();
  for (let i = 0; i < 100; i += 1) await writeFileAtomic(file, i % 2 === 0 ? big : small);
  writing = false;
  await reader;
  t.deepEqual(bad, []);
  t.true(reads > 10, `the reader ran concurrently (${reads} reads)`);
});
