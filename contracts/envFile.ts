/**
 * systemd EnvironmentFile rendering. Every value is written double-quoted, with a backslash before each of
 * `\`, `"`, `$` and backtick: inside double quotes systemd turns exactly those four escapes back into the
 * character, so any value round-trips. The same text is also a POSIX shell assignment with the same meaning,
 * which is how the host scripts read a value back (never by expanding anything).
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Characters escaped inside the double quotes (the ones systemd and the shell un-escape there). */
const ESCAPED = /[\\"$`]/g;

/**
 * Why a value cannot be written, or undefined if it can. A newline would end the assignment (systemd would
 * read the rest as a continuation, a shell as a new line), and systemd refuses NUL, the byte-order mark,
 * Unicode noncharacters and anything that is not valid UTF-8 (a lone surrogate in a JavaScript string).
 * Carriage returns are refused too: the file is read line by line, and a stray CR is never intended.
 */
function unwritable(value: string): string | undefined {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\n" || char === "\r") return "a line break";
    if (code === 0) return "a NUL character";
    if (code === 0xfeff) return "a byte-order mark (U+FEFF)";
    if (code >= 0xd800 && code <= 0xdfff) return "a lone UTF-16 surrogate (not valid UTF-8)";
    if ((code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe) return "a Unicode noncharacter";
  }
  return undefined;
}

/** One assignment line's value part, quoted and escaped. */
export function quoteEnvValue(value: string): string {
  return `"${value.replace(ESCAPED, (char) => `\\${char}`)}"`;
}

/**
 * The file's text: one `NAME="value"` line per variable, sorted by name (a stable file: unchanged settings
 * give the same bytes, so Pulumi sees no diff and the host no restart). Throws a RangeError naming the
 * variable for a name systemd would ignore or a value it could not read back unchanged.
 */
export function renderEnvFile(vars: Readonly<Record<string, string>>): string {
  const names = Object.keys(vars).sort();
  return names
    .map((name) => {
      if (!NAME.test(name)) {
        throw new RangeError(`environment variable name ${JSON.stringify(name)} is not [A-Za-z_][A-Za-z0-9_]*`);
      }
      const value = vars[name];
      const problem = unwritable(value);
      if (problem) {
        throw new RangeError(`environment variable ${name}: its value contains ${problem}, which an EnvironmentFile cannot hold`);
      }
      return `${name}=${quoteEnvValue(value)}\n`;
    })
    .join("");
}
