import type { Run } from "../../api/runs";

export const runStatuses = ["pending", "running", "waiting", "completed", "failed", "cancelled"] as const;
const finishedStatuses = new Set(["completed", "failed", "cancelled"]);

/** The filters of a runs list, as they sit in the page's URL (dates are local calendar days, yyyy-mm-dd). */
export interface RunFilters {
  status: string;
  workflowId: string;
  from: string;
  to: string;
}

export function filtersFrom(query: URLSearchParams, fixedWorkflowId?: string): RunFilters {
  return {
    status: query.get("status") ?? "",
    workflowId: fixedWorkflowId ?? query.get("workflowId") ?? "",
    from: query.get("from") ?? "",
    to: query.get("to") ?? "",
  };
}

/** Start of a local calendar day as an ISO instant; the "to" day is inclusive, so it ends at the next day's start. */
export function dayStart(day: string, plusDays = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The query string of GET /api/runs for these filters and page cursor. */
export function runsQuery(filters: RunFilters, before?: string, limit = 50): URLSearchParams {
  const q = new URLSearchParams({ limit: String(limit) });
  if (filters.status) q.set("status", filters.status);
  if (filters.workflowId) q.set("workflowId", filters.workflowId);
  const from = filters.from ? dayStart(filters.from) : null;
  const to = filters.to ? dayStart(filters.to, 1) : null;
  if (from) q.set("from", from);
  if (to) q.set("to", to);
  if (before) q.set("before", before);
  return q;
}

export function isFinished(run: Pick<Run, "status">): boolean {
  return finishedStatuses.has(run.status);
}

/** Which of the selected runs a bulk action applies to: cancel only unfinished runs, retry only failed ones. */
export function bulkTargets(runs: Run[], selected: ReadonlySet<string>, action: "cancel" | "retry"): Run[] {
  return runs.filter((r) => selected.has(r.id) && (action === "cancel" ? !isFinished(r) : r.status === "failed"));
}

/**
 * The badge a run's status shows: a run that completed its graph with a failure outcome (e.g. a refill "not
 * dispensed") is not a green "completed".
 */
export function statusTone(run: Pick<Run, "status" | "outcome">): string {
  if (run.status === "completed" && run.outcome === "failure") return "outcome_failure";
  return run.status;
}
