import test from "ava";
import { ConfigError, EnvReader, parseNumber } from "../../../lib/shared/env.js";

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

test("a required list that is missing says what to put there: the caller's hint, or that it is a list", (t) => {
  const env = new EnvReader({ BLANK: " , " });
  t.deepEqual(env.list("IDS", true, "one or more pool UUIDs"), []);
  t.deepEqual(env.list("BLANK", true), []);
  t.deepEqual(env.list("OPTIONAL", false, "never shown"), []);
  const error = t.throws(() => env.finish(), { instanceOf: ConfigError });
  t.deepEqual(error?.problems, ["IDS is required (one or more pool UUIDs)", "BLANK is required (a comma-separated list)"]);
});

test("parseNumber: whole numbers, decimals and ranges, with the problem as a phrase", (t) => {
  t.deepEqual(parseNumber("42", { whole: true }), { value: 42 });
  t.deepEqual(parseNumber("-3", { whole: true }), { value: -3 });
  t.deepEqual(parseNumber("1.5", { whole: true }), { problem: 'must be a whole number, got "1.5"' });
  t.deepEqual(parseNumber("10s", { whole: true }), { problem: 'must be a whole number, got "10s"' });
  t.deepEqual(parseNumber("0.25"), { value: 0.25 });
  t.deepEqual(parseNumber("1e3"), { value: 1000 });
  t.deepEqual(parseNumber("fast"), { problem: 'must be a number, got "fast"' });
  t.deepEqual(parseNumber(""), { problem: 'must be a number, got ""' });
  t.deepEqual(parseNumber("Infinity"), { problem: 'must be a number, got "Infinity"' });
  t.deepEqual(parseNumber("0", { whole: true, min: 1 }), { problem: "must be at least 1, got 0" });
  t.deepEqual(parseNumber("1.5", { min: 0, max: 1 }), { problem: "must be at most 1, got 1.5" });
  t.deepEqual(parseNumber("1", { min: 0, max: 1 }), { value: 1 });
});

test("int and number keep returning an out-of-range value (for cross-field checks) while reporting it", (t) => {
  const env = new EnvReader({ SIZE: "0", RATE: "1.5", JUNK: "x" });
  t.is(env.int("SIZE", { min: 1 }), 0);
  t.is(env.number("RATE", { max: 1 }), 1.5);
  t.true(Number.isNaN(env.number("JUNK")));
  t.true(Number.isNaN(env.int("MISSING")));
  const error = t.throws(() => env.finish(), { instanceOf: ConfigError });
  t.deepEqual(error?.problems, [
    "SIZE must be at least 1, got 0",
    "RATE must be at most 1, got 1.5",
    'JUNK must be a number, got "x"',
    "MISSING is required",
  ]);
});
