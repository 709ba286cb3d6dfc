/** Turning whatever was thrown into something printable or rethrowable. */

/** The message of an Error, or the thrown value as text (a string, a number, …). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The thrown value as an Error, so callers can rely on `.message` and `.stack`. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
