/** One problem a ProblemDetails lists: where (a JSON pointer or a field name, if any) and what is wrong. */
export interface ListedProblem {
  where: string;
  message: string;
}

/**
 * The problems a ProblemDetails body carries, so a failed save lists them instead of saying "see 'problems'":
 * `problems` (graph, rule set, release and MCP server validation: `{ jsonPointer | path, message }`) and ASP.NET's
 * `errors` (field → messages).
 */
export function problemsOf(body: unknown): ListedProblem[] {
  if (!body || typeof body !== "object") return [];
  const pd = body as { problems?: unknown; errors?: unknown };
  const listed: ListedProblem[] = [];
  if (Array.isArray(pd.problems)) {
    for (const p of pd.problems) {
      if (!p || typeof p !== "object") continue;
      const r = p as Record<string, unknown>;
      const where = [r.jsonPointer, r.pointer, r.path, r.field].find((w) => typeof w === "string") as string | undefined;
      listed.push({ where: where ?? "", message: typeof r.message === "string" ? r.message : JSON.stringify(p) });
    }
  }
  if (pd.errors && typeof pd.errors === "object" && !Array.isArray(pd.errors)) {
    for (const [field, messages] of Object.entries(pd.errors as Record<string, unknown>)) {
      for (const m of Array.isArray(messages) ? messages : [messages]) listed.push({ where: field, message: String(m) });
    }
  }
  return listed;
}

/** The server's summary without its pointer to the list the dashboard already shows. */
export function summaryWithoutPointer(detail: string): string {
  return detail.replace(/;?\s*see '(problems|errors)'\.?$/i, ".").replace(/\.\.$/, ".");
}
