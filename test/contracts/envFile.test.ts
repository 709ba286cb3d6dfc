import test from "ava";
import { execFile } from "node:child_process";
import { access, constants, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { renderEnvFile } from "../../contracts/envFile.js";
import { tempDir } from "../helpers/fs.js";

const run = promisify(execFile);

/** Values that break naive quoting: spaces, quotes, `$`, `#`, backslashes, `=`, and their combinations. */
const TRICKY: Record<string, string> = {
  SPACES: "  two  words  ",
  DOUBLE_QUOTES: 'say "hi"',
  SINGLE_QUOTES: "it's",
  DOLLAR: "$HOME and ${PATH} and $(id)",
  BACKTICK: "`id`",
  HASH: "#not a comment",
  BACKSLASHES: "C:\\dir\\ and \\n and \\\\ and \\$ and trailing\\",
  WINDOWS_PATH: "C:\\Users\\me\\",
  EQUALS: "a=b=c",
  EMPTY: "",
  SEMICOLON: ";starts like a comment",
  UNICODE: "pässwörd ✓ 🔑",
  TAB: "a\tb",
  MIXED: `"'$\\\`#= `,
};

/**
 * A reader built from systemd.exec(5)'s rules for a double-quoted value: a backslash followed by one of
 * `"\`$` and backtick yields that character; followed by anything else both are kept; whitespace outside
 * the quotes is dropped. It reads only the lines this renderer writes (NAME="…" on one line).
 */
function parseSystemdEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const eq = line.indexOf("=");
    const name = line.slice(0, eq);
    const rest = line.slice(eq + 1).trim();
    if (!rest.startsWith('"') || !rest.endsWith('"') || rest.length < 2) throw new Error(`not a double-quoted value: ${line}`);
    let value = "";
    const body = rest.slice(1, -1);
    for (let i = 0; i < body.length; i++) {
      const char = body[i];
      if (char === "\\" && i + 1 < body.length) {
        const next = body[++i];
        value += '"\\`$'.includes(next) ? next : `\\${next}`;
      } else if (char === '"') {
        throw new Error(`unescaped quote inside the value of ${name}`);
      } else {
        value += char;
      }
    }
    vars[name] = value;
  }
  return vars;
}

function only(vars: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((name) => name in vars).map((name) => [name, vars[name]]));
}

/** `NAME=value` records as `env -0` prints them. */
function parseEnvZero(output: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const record of output.split("\0").filter(Boolean)) {
    const eq = record.indexOf("=");
    vars[record.slice(0, eq)] = record.slice(eq + 1);
  }
  return vars;
}

test('renders sorted NAME="value" lines and round-trips tricky values through systemd\'s quoting rules', (t) => {
  const text = renderEnvFile(TRICKY);
  const lines = text.trimEnd().split("\n");
  t.deepEqual(
    lines.map((line) => line.slice(0, line.indexOf("="))),
    Object.keys(TRICKY).sort(),
    "one line per variable, sorted by name",
  );
  t.true(text.endsWith("\n"));
  t.true(
    lines.every((line) => /^[A-Za-z_][A-Za-z0-9_]*=".*"$/.test(line)),
    "every value double-quoted",
  );
  t.deepEqual(parseSystemdEnvFile(text), TRICKY);
  t.is(renderEnvFile({ B: "2", A: "1" }), 'A="1"\nB="2"\n');
  t.is(renderEnvFile({}), "");
  t.is(renderEnvFile({ X: 'a"b\\c$d`e' }), 'X="a\\"b\\\\c\\$d\\`e"\n');
});

test("the rendered file is deterministic", (t) => {
  const reversed = Object.fromEntries(Object.entries(TRICKY).reverse());
  t.is(renderEnvFile(reversed), renderEnvFile(TRICKY));
});

test("bash reads the same values back (the host scripts rely on it)", async (t) => {
  const dir = await tempDir(t, "env-file-");
  const file = join(dir, "test.env");
  await writeFile(file, renderEnvFile(TRICKY));
  // Sourcing is only a reader here: every `$`, backtick and quote is escaped, so nothing expands or runs.
  const { stdout } = await run("/bin/bash", ["-c", 'set -a; . "$1"; exec env -0', "bash", file], { env: {} });
  t.deepEqual(only(parseEnvZero(stdout), Object.keys(TRICKY)), TRICKY);
});

const ENVIRONMENT_D_GENERATOR = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator";

test("systemd's own parser reads the values back (environment.d generator)", async (t) => {
  try {
    await access(ENVIRONMENT_D_GENERATOR, constants.X_OK);
  } catch {
    if (process.env.CI === "true") throw new Error(`${ENVIRONMENT_D_GENERATOR} is missing: CI installs systemd`);
    t.log("systemd's environment.d generator not installed: skipped");
    t.pass();
    return;
  }
  // The generator parses environment.d files with the same code as EnvironmentFile=, but then expands
  // $VARIABLES and drops empty values (an EnvironmentFile does neither), and prints control characters as
  // C escapes: compare the non-empty values without `$` or a tab.
  const comparable = Object.fromEntries(Object.entries(TRICKY).filter(([, value]) => value !== "" && !/[$\t]/.test(value)));
  t.true("WINDOWS_PATH" in comparable && "DOUBLE_QUOTES" in comparable && "HASH" in comparable, "backslashes, quotes and # are compared");
  const dir = await tempDir(t, "env-file-");
  await mkdir(join(dir, "environment.d"));
  await writeFile(join(dir, "environment.d", "50-test.conf"), renderEnvFile(comparable));
  const { stdout } = await run(ENVIRONMENT_D_GENERATOR, [], { env: { XDG_CONFIG_HOME: dir, XDG_CONFIG_DIRS: join(dir, "none") } });
  // It prints shell assignments; bash turns them back into values.
  const printed = join(dir, "printed.env");
  await writeFile(printed, stdout);
  const { stdout: values } = await run("/bin/bash", ["-c", 'set -a; . "$1"; exec env -0', "bash", printed], { env: {} });
  t.deepEqual(only(parseEnvZero(values), Object.keys(comparable)), comparable);
});

test("refuses values an EnvironmentFile cannot hold, naming the variable but not the value", (t) => {
  for (const [value, why] of [
    ["line1\nline2", /line break/],
    ["carriage\rreturn", /line break/],
    ["nul\0byte", /NUL/],
    ["\ufeffbom", /byte-order mark/],
    ["lone \ud800 surrogate", /surrogate/],
    ["non\ufffecharacter", /noncharacter/],
  ] as const) {
    const error = t.throws(() => renderEnvFile({ OK: "fine", API_SECRET: value }), { instanceOf: RangeError });
    t.regex(error?.message ?? "", /API_SECRET/);
    t.regex(error?.message ?? "", why);
    t.false(error?.message.includes(value), "the value (maybe a secret) is not in the message");
  }
});

test("refuses names systemd would ignore", (t) => {
  for (const name of ["1ABC", "A-B", "A B", "", "A=B", "Ä"]) {
    const error = t.throws(() => renderEnvFile({ [name]: "x" }), { instanceOf: RangeError });
    t.true(error?.message.includes(JSON.stringify(name)), name);
  }
  t.notThrows(() => renderEnvFile({ _a1: "x", A_B_9: "y" }));
});
