import test from "ava";
import { parseLoadArgs, type LoadOptions } from "../../../sandbox/load/args.js";

function options(argv: string[]): LoadOptions {
  const parsed = parseLoadArgs(argv);
  if (parsed.kind !== "run") throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
}

function problems(argv: string[]): string[] {
  const parsed = parseLoadArgs(argv);
  if (parsed.kind !== "error") throw new Error(`expected problems, got ${JSON.stringify(parsed)}`);
  return parsed.problems;
}

test("only --url is needed; the rest has documented defaults", (t) => {
  t.deepEqual(options(["--url", "http://127.0.0.1:8000"]), {
    url: "http://127.0.0.1:8000/load",
    concurrency: 10,
    durationSeconds: 60,
    profile: "constant",
    timeoutSeconds: 120,
  });
});

test("every option is read", (t) => {
  t.deepEqual(
    options([
      "--url",
      "https://nlb.example",
      "--path",
      "/health",
      "--concurrency",
      "4",
      "--duration",
      "2",
      "--profile",
      "ramp",
      "--timeout",
      "30",
    ]),
    { url: "https://nlb.example/health", concurrency: 4, durationSeconds: 2, profile: "ramp", timeoutSeconds: 30 },
  );
  t.is(options(["--url", "http://x", "--profile", "step"]).profile, "step");
});

test("--path replaces the URL's path; without it, a path in --url is kept", (t) => {
  t.is(options(["--url", "http://127.0.0.1:8000/"]).url, "http://127.0.0.1:8000/load");
  t.is(options(["--url", "http://127.0.0.1:8000/health?x=1"]).url, "http://127.0.0.1:8000/health?x=1");
  t.is(options(["--url", "http://127.0.0.1:8000/health", "--path", "/load"]).url, "http://127.0.0.1:8000/load");
});

test("--help (or -h) asks for the usage, whatever else is there", (t) => {
  t.deepEqual(parseLoadArgs(["--help"]), { kind: "help" });
  t.deepEqual(parseLoadArgs(["-h", "--url", "ftp://x"]), { kind: "help" });
});

test("anything but http: and https: is refused with a clear message", (t) => {
  t.deepEqual(
    problems(["--url", "ftp://example.com/load"]),
    ['must be an http: or https: URL, got "ftp://example.com/load" (scheme ftp is not supported)'].map((p) => `--url ${p}`),
  );
  t.deepEqual(problems(["--url", "file:///etc/passwd"]), [
    '--url must be an http: or https: URL, got "file:///etc/passwd" (scheme file is not supported)',
  ]);
  t.deepEqual(problems(["--url", "127.0.0.1:8000"]), [
    '--url must be an absolute http: or https: URL, got "127.0.0.1:8000" (did you mean http://127.0.0.1:8000?)',
  ]);
  t.deepEqual(problems(["--url", "localhost:8000"]), [
    '--url must be an http: or https: URL, got "localhost:8000" (did you mean http://localhost:8000?)',
  ]);
  t.deepEqual(problems(["--url", "http://user:pw@host"]), [
    "--url must not carry a user name or password (the URL is printed in the output)",
  ]);
});

test("every bad option is reported at once", (t) => {
  t.deepEqual(problems(["--concurrency", "0", "--duration", "3601", "--profile", "sine", "--timeout", "1.5", "--path", "load"]), [
    '--path must start with /, got "load"',
    "--url is required, e.g. --url http://127.0.0.1:8000",
    '--concurrency must be a whole number from 1 to 1000, got "0"',
    '--duration must be a whole number from 1 to 3600, got "3601"',
    '--timeout must be a whole number from 1 to 3600, got "1.5"',
    '--profile must be one of constant, ramp, step, got "sine"',
  ]);
});

test("unknown flags and stray words are refused", (t) => {
  t.regex(problems(["--url", "http://x", "--rate", "5"])[0]!, /Unknown option '--rate'/);
  t.regex(problems(["--url", "http://x", "extra"])[0]!, /Unexpected argument 'extra'/);
  t.regex(problems(["--url"])[0]!, /argument missing/);
});
