import test from "ava";
import { ConfigError, EnvReader } from "../../../services/shared/env.js";

test("collects every problem and reports them together", (t) => {
  const env = new EnvReader({ PORT: "80x", SIZE: "0", MODE: "fast" });
  env.requiredString("KEY");
  env.int("PORT", { default: 1 });
  env.int("SIZE", { min: 1 });
  env.oneOf("MODE", ["slow", "safe"] as const, "safe");
  const error = t.throws(() => env.finish(), { instanceOf: ConfigError });
  t.deepEqual(error?.problems, [
    "KEY is required",
    'PORT must be a whole number, got "80x"',
    "SIZE must be at least 1, got 0",
    'MODE must be one of slow, safe, got "fast"',
  ]);
});

test("applies defaults for unset and blank values", (t) => {
  const env = new EnvReader({ BLANK: "  " });
  t.is(env.int("BLANK", { default: 10 }), 10);
  t.is(env.string("MISSING", "x"), "x");
  t.true(env.bool("MISSING", true));
  t.deepEqual(env.list("MISSING", false), []);
  t.notThrows(() => env.finish());
});

test("parses lists, booleans and URLs", (t) => {
  const env = new EnvReader({ IDS: " a, ,b ", ON: "yes", URL: "http://127.0.0.1:8080/v2/", BAD: "ftp://x" });
  t.deepEqual(env.list("IDS", true), ["a", "b"]);
  t.true(env.bool("ON", false));
  t.is(env.optionalUrl("URL"), "http://127.0.0.1:8080/v2");
  t.is(env.optionalUrl("BAD"), undefined);
  const error = t.throws(() => env.finish(), { instanceOf: ConfigError });
  t.deepEqual(error?.problems, ['BAD must be an http(s) URL, got "ftp://x"']);
});
