import test from "ava";
import { isRecord, stringMap } from "../../../lib/shared/json.js";

test("isRecord accepts plain objects only", (t) => {
  t.true(isRecord({}));
  t.true(isRecord({ a: 1 }));
  t.false(isRecord(null));
  t.false(isRecord([]));
  t.false(isRecord("text"));
  t.false(isRecord(3));
  t.false(isRecord(undefined));
});

test("stringMap keeps only the string values", (t) => {
  t.deepEqual(stringMap({ role: "web", size: 3, nested: { a: "b" }, none: null, env: "dev" }), { role: "web", env: "dev" });
  t.deepEqual(stringMap(["a", "b"]), {});
  t.deepEqual(stringMap(null), {});
  t.deepEqual(stringMap("text"), {});
});
