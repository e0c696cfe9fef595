import { useEffect, useState, type ReactNode } from "react";
import { workflowsApi } from "../../api/workflows";
import { runsApi } from "../../api/runs";
import { Link, navigate, useLocation } from "../../router";
import { AsyncBlock, Badge, duration, useAsync, useToast, when } from "../../ui";
import { BulkBar } from "./BulkBar";
import { filtersFrom, isFinished, runStatuses, runsQuery, statusTone } from "./runFilters";

const refreshMs = 5000;

/**
 * Runs with filters (status, workflow, creation days) kept in the URL, auto-refresh, and bulk cancel / retry of the
 * selected rows. The workflow's own Runs tab passes `workflowId` and hides the workflow filter.
 */
export function RunsList({ workflowId: fixedWorkflowId, toolbarEnd }: { workflowId?: string; toolbarEnd?: ReactNode }) {
  const { path, query } = useLocation();
  const filters = filtersFrom(query, fixedWorkflowId);
  const [pages, setPages] = useState<string[]>([]);
  const [autoRefresh, setAutoRefresh] = useState(true);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [toast, say] = useToast();
  const before = pages[pages.length - 1];
  const workflows = useAsync(() => (fixedWorkflowId ? Promise.resolve([]) : workflowsApi.list()), [fixedWorkflowId]);
  const key = runsQuery(filters, before).toString();
  const runs = useAsync(() => runsApi.list(key), [key]);
  const names = new Map((workflows.data ?? []).map((w) => [w.id, w.name]));
  const { reload } = runs;

  useEffect(() => {
    if (!autoRefresh) return;
    const timer = setInterval(() => document.visibilityState === "visible" && reload(), refreshMs);
    return () => clearInterval(timer);
  }, [autoRefresh, reload]);

  const setFilter = (name: string, value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(name, value);
    else q.delete(name);
    setPages([]);
    setSelected(new Set());
    navigate(`${path}${q.size ? `?${q}` : ""}`, true);
  };
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const filtered = Boolean(filters.status || filters.from || filters.to || (!fixedWorkflowId && filters.workflowId));

  return (
    <>
      <div className="toolbar" data-testid="runs-filters">
        <label className="row small">
          Status
          <select value={filters.status} onChange={(e) => setFilter("status", e.target.value)} aria-label="Filter by status">
            <option value="">any</option>
            {runStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {!fixedWorkflowId && (
          <label className="row small">
            Workflow
            <select
              value={filters.workflowId}
              onChange={(e) => setFilter("workflowId", e.target.value)}
              aria-label="Filter by workflow"
              style={{ maxWidth: 280 }}
            >
              <option value="">any</option>
              {(workflows.data ?? []).map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="row small">
          From
          <input
            type="date"
            value={filters.from}
            max={filters.to || undefined}
            onChange={(e) => setFilter("from", e.target.value)}
            aria-label="Created from (day)"
          />
        </label>
        <label className="row small">
          To
          <input
            type="date"
            value={filters.to}
            min={filters.from || undefined}
            onChange={(e) => setFilter("to", e.target.value)}
            aria-label="Created to (day, inclusive)"
          />
        </label>
        <label className="row small" title={`Reload the list every ${refreshMs / 1000} s while this tab is visible`}>
          <input type="checkbox" checked={autoRefresh} onChange={(e) => setAutoRefresh(e.target.checked)} /> Auto-refresh
        </label>
        <button className="btn sm" onClick={reload}>
          Refresh
        </button>
        {toolbarEnd}
      </div>
      {runs.data && (
        <BulkBar
          runs={runs.data.items}
          selected={selected}
          onDone={(message) => {
            say(message);
            setSelected(new Set());
            reload();
          }}
        />
      )}
      <AsyncBlock
        state={runs}
        label="Loading runs…"
        isEmpty={(d) => d.items.length === 0}
        empty={
          filtered
            ? { title: "No run matches these filters", text: "Clear the filters to see every run." }
            : { title: "No runs yet", text: "Open a workflow and press Run, or trigger one by webhook, schedule or MCP." }
        }
      >
        {(data) => (
          <>
            <div className="table-wrap">
              <table className="table" data-testid="runs-table">
                <thead>
                  <tr>
                    <th>
                      <input
                        type="checkbox"
                        aria-label="Select every run on this page"
                        checked={data.items.length > 0 && data.items.every((r) => selected.has(r.id))}
                        onChange={(e) => setSelected(e.target.checked ? new Set(data.items.map((r) => r.id)) : new Set())}
                      />
                    </th>
                    <th>Run</th>
                    {!fixedWorkflowId && <th>Workflow</th>}
                    <th>Status</th>
                    <th>Outcome</th>
                    <th>Trigger</th>
                    <th>Started</th>
                    <th>Duration</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <tr key={r.id} data-status={r.status}>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select run ${r.id.slice(0, 8)}`}
                          checked={selected.has(r.id)}
                          onChange={() => toggle(r.id)}
                        />
                      </td>
                      <td>
                        <Link to={`/runs/${r.id}`} className="mono">
                          {r.id.slice(0, 8)}
                        </Link>
                      </td>
                      {!fixedWorkflowId && (
                        <td>
                          <Link to={`/workflows/${r.workflowId}`}>{names.get(r.workflowId) ?? r.workflowId.slice(0, 8)}</Link>{" "}
                          <span className="muted mono small">v{r.workflowVersion}</span>
                        </td>
                      )}
                      <td data-testid="run-status">
                        <Badge status={statusTone(r)}>{r.status}</Badge>
                      </td>
                      <td
                        data-testid="run-phase"
                        data-outcome={r.outcome ?? ""}
                        title={r.outcome ? `Business outcome: ${r.outcome}` : "Where the case is (the workflow's phases)"}
                      >
                        {r.phase ? (
                          <Badge status={r.outcome ?? r.phase}>
                            {r.outcome === "failure" ? "✗ " : r.outcome === "success" ? "✓ " : ""}
                            {r.phase.replace(/_/g, " ")}
                          </Badge>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td className="muted">{r.trigger}</td>
                      <td className="muted">{when(r.createdAt)}</td>
                      <td className="mono small">
                        {r.finishedAt
                          ? duration(new Date(r.finishedAt).getTime() - new Date(r.createdAt).getTime())
                          : isFinished(r)
                            ? "—"
                            : "…"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {(pages.length > 0 || data.nextBefore) && (
              <div className="row" style={{ justifyContent: "center", marginTop: 16 }}>
                <button className="btn" disabled={pages.length === 0} onClick={() => setPages((p) => p.slice(0, -1))}>
                  ← Newer
                </button>
                <button className="btn" disabled={!data.nextBefore} onClick={() => setPages((p) => [...p, data.nextBefore!])}>
                  Older →
                </button>
              </div>
            )}
          </>
        )}
      </AsyncBlock>
      {toast}
    </>
  );
}
