// Expression autocomplete from the last run's data: `input.` offers the run input's fields, `nodes.` the node ids,
// `nodes.<id>.output.` that node's output fields, at any depth.

export interface RunData {
  input: unknown;
  outputs: Record<string, unknown>;
}
export interface Suggestions {
  from: number;
  items: string[];
}

const maxItems = 12;

/** Completions for the path being typed just before `cursor`; `from` is where that path starts in `text`. */
export function suggest(text: string, cursor: number, data: RunData): Suggestions | null {
  const before = text.slice(0, cursor);
  const m = /(?:^|[^\w.])((?:input|nodes)(?:\.[A-Za-z_]\w*)*\.?(?:[A-Za-z_]\w*)?)$/.exec(before);
  if (!m) return null;
  const path = m[1];
  const from = cursor - path.length;
  const parts = path.split(".");
  const partial = parts.pop() ?? "";
  const items = candidates(parts, data)
    .filter((k) => k.startsWith(partial) && k !== partial)
    .slice(0, maxItems)
    .map((k) => [...parts, k].join("."));
  return items.length ? { from, items } : null;
}

function candidates(parents: string[], data: RunData): string[] {
  if (parents.length === 0) return ["input", "nodes"];
  const [root, ...rest] = parents;
  if (root === "input") return keysAt(data.input, rest);
  if (root !== "nodes") return [];
  if (rest.length === 0) return Object.keys(data.outputs);
  if (!(rest[0] in data.outputs)) return [];
  if (rest.length === 1) return ["output"];
  return rest[1] === "output" ? keysAt(data.outputs[rest[0]], rest.slice(2)) : [];
}

function keysAt(value: unknown, path: string[]): string[] {
  let v = value;
  for (const key of path) {
    if (!v || typeof v !== "object" || Array.isArray(v)) return [];
    v = (v as Record<string, unknown>)[key];
  }
  return v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : [];
}

/** The text with the path at `from..cursor` replaced by `item`, and where the cursor goes. */
export function applySuggestion(text: string, cursor: number, from: number, item: string): { text: string; cursor: number } {
  return { text: text.slice(0, from) + item + text.slice(cursor), cursor: from + item.length };
}
