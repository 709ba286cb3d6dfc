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
    const value = this.raw(name);
    if (value === undefined) {
      if (options.default !== undefined) return options.default;
      this.problems.push(`${name} is required`);
      return Number.NaN;
    }
    if (!/^-?\d+$/.test(value)) {
      this.problems.push(`${name} must be a whole number, got "${value}"`);
      return Number.NaN;
    }
    const parsed = Number(value);
    if (options.min !== undefined && parsed < options.min) {
      this.problems.push(`${name} must be at least ${options.min}, got ${parsed}`);
    } else if (options.max !== undefined && parsed > options.max) {
      this.problems.push(`${name} must be at most ${options.max}, got ${parsed}`);
    }
    return parsed;
  }

  /** A number (decimals allowed) within [min, max]. */
  number(name: string, options: IntOptions = {}): number {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.default !== undefined) return options.default;
      this.problems.push(`${name} is required`);
      return Number.NaN;
    }
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) {
      this.problems.push(`${name} must be a number, got "${value}"`);
      return Number.NaN;
    }
    if (options.min !== undefined && parsed < options.min) {
      this.problems.push(`${name} must be at least ${options.min}, got ${parsed}`);
    } else if (options.max !== undefined && parsed > options.max) {
      this.problems.push(`${name} must be at most ${options.max}, got ${parsed}`);
    }
    return parsed;
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

  /** A comma-separated list with blanks dropped; required lists must have at least one item. */
  list(name: string, required: boolean): string[] {
    const value = this.raw(name);
    const items = (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (required && items.length === 0) this.problems.push(`${name} is required (a comma-separated list)`);
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
