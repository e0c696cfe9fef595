import { useEffect, useSyncExternalStore } from "react";

/** One action the command palette (Ctrl+K) offers. */
export interface Command {
  id: string;
  group: string;
  label: string;
  hint?: string;
  run: () => void | Promise<void>;
}

// Pages add their own commands while mounted (the editor: add node, run, save); the palette reads them all.
const sources = new Map<string, Command[]>();
const listeners = new Set<() => void>();
let snapshot: Command[] = [];

function publish() {
  snapshot = [...sources.values()].flat();
  listeners.forEach((l) => l());
}

export function registerCommands(source: string, commands: Command[]): () => void {
  sources.set(source, commands);
  publish();
  return () => {
    if (sources.get(source) === commands) {
      sources.delete(source);
      publish();
    }
  };
}

/** Offers `commands` in the palette while the calling component is mounted. */
export function useCommands(source: string, commands: Command[]): void {
  useEffect(() => registerCommands(source, commands), [source, commands]);
}

export function currentCommands(): Command[] {
  return snapshot;
}

export function usePageCommands(): Command[] {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, currentCommands);
}

/**
 * The commands matching `query`, best first: every word of the query must occur in the label, group or hint; a label
 * that starts with the query beats one that only contains it, which beats a match in the group or hint.
 */
export function rankCommands(commands: Command[], query: string, limit = 50): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return commands.slice(0, limit);
  const q = words.join(" ");
  const scored: { c: Command; score: number; i: number }[] = [];
  commands.forEach((c, i) => {
    const label = c.label.toLowerCase();
    const all = `${label} ${c.group.toLowerCase()} ${(c.hint ?? "").toLowerCase()}`;
    if (!words.every((w) => all.includes(w))) return;
    const score = label.startsWith(q) ? 0 : label.includes(q) ? 1 : words.every((w) => label.includes(w)) ? 2 : 3;
    scored.push({ c, score, i });
  });
  return scored
    .sort((a, b) => a.score - b.score || a.i - b.i)
    .slice(0, limit)
    .map((s) => s.c);
}
