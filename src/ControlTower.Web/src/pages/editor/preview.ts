/**
 * A one-line summary of a node's output for its card on the canvas: scalars as they are, objects as their first keys
 * and values, arrays as their length and first item; cut to `max` characters.
 */
export function previewOf(value: unknown, max = 60): string {
  return cut(summary(value, 2), max);
}

function summary(value: unknown, depth: number): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value))
    return depth <= 0 ? `[${value.length}]` : `[${value.length}] ${value.length ? summary(value[0], depth - 1) : ""}`.trim();
  const entries = Object.entries(value as Record<string, unknown>);
  if (depth <= 0) return `{${entries.length} keys}`;
  return `{ ${entries.map(([k, v]) => `${k}: ${summary(v, depth - 1)}`).join(", ")} }`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
