/**
 * Validated reading of environment variables. Every problem is collected, so a user who got three
 * settings wrong learns about all three at once instead of fixing them one restart at a time.
 */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface IntOptions {
  default?: number;
  min?: number;
  max?: number;
}

export interface NumberRules {
  /** Only whole numbers (no decimals, no exponent). */
  whole?: boolean;
  min?: number;
  max?: number;
}

/** A parsed number, or what is wrong with the text (a phrase to follow the setting's name). */
export type NumberParse = { value: number } | { problem: string };

/** Pure: text → a number obeying the rules, or the problem, e.g. `must be at least 1, got 0`. */
export function parseNumber(text: string, rules: NumberRules = {}): NumberParse {
  const parsed = readNumber(text, rules.whole ?? false);
  if ("problem" in parsed) return parsed;
  const outside = rangeProblem(parsed.value, rules);
  return outside === undefined ? parsed : { problem: outside };
}

function readNumber(text: string, whole: boolean): NumberParse {
  if (whole) return /^-?\d+$/.test(text) ? { value: Number(text) } : { problem: `must be a whole number, got "${text}"` };
  const value = text.trim() === "" ? Number.NaN : Number(text);
  return Number.isFinite(value) ? { value } : { problem: `must be a number, got "${text}"` };
}

function rangeProblem(value: number, range: { min?: number; max?: number }): string | undefined {
  if (range.min !== undefined && value < range.min) return `must be at least ${range.min}, got ${value}`;
  if (range.max !== undefined && value > range.max) return `must be at most ${range.max}, got ${value}`;
  return undefined;
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  /** The trimmed value, or undefined when unset or blank. */
  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  /** Records a problem found by the caller's own cross-field checks. */
  problem(message: string): void {
    this.problems.push(message);
  }

  requiredString(name: string, hint = ""): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is required${hint ? ` (${hint})` : ""}`);
      return "";
    }
    return value;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  /** A whole number within [min, max]; decimals and junk like "10s" are refused. */
  int(name: string, options: IntOptions = {}): number {
    return this.numeric(name, options, true);
  }

  /** A number (decimals allowed) within [min, max]. */
  number(name: string, options: IntOptions = {}): number {
    return this.numeric(name, options, false);
  }

  /** Out of range is a problem but still returns the number, so the caller's cross-field checks see it. */
  private numeric(name: string, options: IntOptions, whole: boolean): number {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.default !== undefined) return options.default;
      this.problems.push(`${name} is required`);
      return Number.NaN;
    }
    const parsed = readNumber(value, whole);
    if ("problem" in parsed) {
      this.problems.push(`${name} ${parsed.problem}`);
      return Number.NaN;
    }
    const outside = rangeProblem(parsed.value, options);
    if (outside !== undefined) this.problems.push(`${name} ${outside}`);
    return parsed.value;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(value)) return true;
    if (["0", "false", "no", "off"].includes(value)) return false;
    this.problems.push(`${name} must be true or false, got "${value}"`);
    return fallback;
  }

  /** One of a fixed set of words. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(", ")}, got "${value}"`);
    return fallback;
  }

  /**
   * A comma-separated list with blanks dropped; required lists must have at least one item. `hint` says
   * what to put there when it is missing (default "a comma-separated list").
   */
  list(name: string, required: boolean, hint = "a comma-separated list"): string[] {
    const value = this.raw(name);
    const items = (value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    if (required && items.length === 0) this.problems.push(`${name} is required (${hint})`);
    return items;
  }

  /** An absolute http(s) URL; a trailing slash is dropped so paths can be appended. */
  optionalUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
      return value.replace(/\/+$/, "");
    } catch {
      this.problems.push(`${name} must be an http(s) URL, got "${value}"`);
      return undefined;
    }
  }

  /** Throws one ConfigError naming every problem seen so far. */
  finish(): void {
    if (this.problems.length > 0) throw new ConfigError([...this.problems]);
  }
}
