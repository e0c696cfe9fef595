import { useState } from "react";
import { api, type RunPage, type WorkflowSummary } from "../api";
import { Link, navigate, useLocation } from "../router";
import { AsyncBlock, Badge, duration, PageHeader, useAsync, when } from "../ui";

const statuses = ["", "pending", "running", "waiting", "completed", "failed", "cancelled"];

export function RunsPage() {
  const { query } = useLocation();
  const status = query.get("status") ?? "";
  const workflowId = query.get("workflowId") ?? "";
  const [pages, setPages] = useState<string[]>([]);
  const before = pages[pages.length - 1];
  const workflows = useAsync(() => api.get<WorkflowSummary[]>("/api/workflows"), []);
  const runs = useAsync(() => {
    const q = new URLSearchParams({ limit: "50" });
    if (status) q.set("status", status);
    if (workflowId) q.set("workflowId", workflowId);
    if (before) q.set("before", before);
    return api.get<RunPage>(`/api/runs?${q}`);
  }, [status, workflowId, before]);
  const names = new Map((workflows.data ?? []).map((w) => [w.id, w.name]));

  const setFilter = (key: string, value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(key, value);
    else q.delete(key);
    setPages([]);
    navigate(`/runs${q.size ? `?${q}` : ""}`, true);
  };

  return (
    <>
      <PageHeader title="Runs" subtitle="Every execution, live and past. Open one to watch it or retry it." actions={<button className="btn" onClick={runs.reload}>Refresh</button>} />
      <div className="toolbar">
        <label className="row small">Status
          <select value={status} onChange={(e) => setFilter("status", e.target.value)} aria-label="Filter by status">
            {statuses.map((s) => <option key={s} value={s}>{s || "any"}</option>)}
          </select>
        </label>
        <label className="row small">Workflow
          <select value={workflowId} onChange={(e) => setFilter("workflowId", e.target.value)} aria-label="Filter by workflow" style={{ maxWidth: 280 }}>
            <option value="">any</option>
            {(workflows.data ?? []).map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
          </select>
        </label>
      </div>
      <AsyncBlock state={runs} label="Loading runs…" isEmpty={(d) => d.items.length === 0}
        empty={status || workflowId
          ? { title: "No run matches these filters", text: "Clear the filters to see every run." }
          : { title: "No runs yet", text: "Open a workflow and press Run, or trigger one by webhook, schedule or MCP." }}>
        {(data) => (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="runs-table">
              <thead><tr><th>Run</th><th>Workflow</th><th>Status</th><th>Phase</th><th>Trigger</th><th>Started</th><th>Duration</th></tr></thead>
              <tbody>
                {data.items.map((r) => (
                  <tr key={r.id}>
                    <td><Link to={`/runs/${r.id}`} className="mono">{r.id.slice(0, 8)}</Link></td>
                    <td><Link to={`/workflows/${r.workflowId}`}>{names.get(r.workflowId) ?? r.workflowId.slice(0, 8)}</Link> <span className="muted mono small">v{r.workflowVersion}</span></td>
                    <td><Badge status={r.status} /></td>
                    <td data-testid="run-phase">{r.phase ? <Badge status={r.phase}>{r.phase.replace(/_/g, " ")}</Badge> : <span className="muted">—</span>}</td>
                    <td className="muted">{r.trigger}</td>
                    <td className="muted">{when(r.createdAt)}</td>
                    <td className="mono small">{r.finishedAt ? duration(new Date(r.finishedAt).getTime() - new Date(r.createdAt).getTime()) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {(pages.length > 0 || data.nextBefore) && <div className="row" style={{ justifyContent: "center", marginTop: 16 }}>
            <button className="btn" disabled={pages.length === 0} onClick={() => setPages((p) => p.slice(0, -1))}>← Newer</button>
            <button className="btn" disabled={!data.nextBefore} onClick={() => setPages((p) => [...p, data.nextBefore!])}>Older →</button>
          </div>}
        </>
        )}
      </AsyncBlock>
    </>
  );
}
