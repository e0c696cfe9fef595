/** The run settings a workflow keeps in its graph's `config` (a change saves a new version). */
export interface RunSettings {
  durability: "checkpoint" | "step";
  stepBudget: string;
  maxParallelNodes: string;
  /** phase → business outcome; "" = not declared. */
  outcomes: Record<string, "" | "success" | "failure">;
}

type Config = Record<string, unknown>;

/** The distinct phases the graph's `config.phases` names, in first-seen order. */
export function phasesOf(config: Config | undefined): string[] {
  const phases = config?.phases;
  if (!phases || typeof phases !== "object") return [];
  return [...new Set(Object.values(phases as Record<string, unknown>).filter((p): p is string => typeof p === "string"))];
}

export function settingsOf(config: Config | undefined): RunSettings {
  const declared = (config?.outcomes ?? {}) as Record<string, unknown>;
  const outcomes: RunSettings["outcomes"] = {};
  for (const phase of phasesOf(config)) {
    const o = declared[phase];
    outcomes[phase] = o === "success" || o === "failure" ? o : "";
  }
  const int = (v: unknown) => (typeof v === "number" ? String(v) : "");
  return {
    durability: config?.durability === "step" ? "step" : "checkpoint",
    stepBudget: int(config?.stepBudget),
    maxParallelNodes: int(config?.maxParallelNodes),
    outcomes,
  };
}

/** The config with these settings applied; defaults and blanks are left out rather than written. */
export function withSettings(config: Config | undefined, s: RunSettings): Config {
  const next: Config = { ...(config ?? {}) };
  const set = (key: string, value: unknown) => {
    if (value === undefined) delete next[key];
    else next[key] = value;
  };
  set("durability", s.durability === "step" ? "step" : undefined);
  set("stepBudget", s.stepBudget.trim() ? Number(s.stepBudget) : undefined);
  set("maxParallelNodes", s.maxParallelNodes.trim() ? Number(s.maxParallelNodes) : undefined);
  const outcomes = Object.fromEntries(Object.entries(s.outcomes).filter(([, o]) => o));
  set("outcomes", Object.keys(outcomes).length ? outcomes : undefined);
  return next;
}
