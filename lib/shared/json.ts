/** Narrowing parsed JSON (unknown) to the shapes we read from it. */

/** A plain object: not null and not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The string-valued entries of an object (labels, annotations); anything else gives {}. */
export function stringMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  if (!isRecord(value)) return map;
  for (const [key, entry] of Object.entries(value)) if (typeof entry === "string") map[key] = entry;
  return map;
}
