import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { PlanDraft } from "../api/planner";
import { workflowsApi, type WorkflowSummary, type Graph } from "../api/workflows";
import { runsApi, type Run } from "../api/runs";
import { DescribeBox } from "../describe";
import { Link, navigate } from "../router";
import { Badge, Empty, ErrorBox, Loading, Modal, PageHeader, useAsync, useToast, when, useSubmit } from "../ui";
import { TemplatePicker } from "./workflows/TemplatePicker";
import { buildTemplate } from "./workflows/templates";

const pageSize = 50;
// The draft's canvas needs xyflow: loaded when there is a draft, so the list itself stays light.
const DraftDialog = lazy(() => import("./WorkflowDraft"));

export function WorkflowsPage() {
  const list = useAsync(() => workflowsApi.list(), []);
  const [search, setSearch] = useState("");
  const [shown, setShown] = useState(pageSize);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState<{ draft: PlanDraft; prompt: string } | null>(null);
  const [toast, say] = useToast();
  const [actionError, setActionError] = useState<unknown>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const filtered = useMemo(() => {
    const q = search.trim().toLowerCase();
    const all = [...(list.data ?? [])].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    return q ? all.filter((w) => w.name.toLowerCase().includes(q) || (w.description ?? "").toLowerCase().includes(q)) : all;
  }, [list.data, search]);
  const visible = filtered.slice(0, shown);
  const lastRuns = useLastRuns(visible.map((w) => w.id));

  const toggle = async (w: WorkflowSummary) => {
    setActionError(null);
    try {
      const updated = await workflowsApi.toggle(w);
      list.setData((list.data ?? []).map((x) => (x.id === w.id ? { ...x, ...updated } : x)));
      say(`${w.name} ${w.enabled ? "disabled" : "enabled"}`);
    } catch (e) {
      setActionError(e);
    }
  };

  const importFile = async (file: File) => {
    setActionError(null);
    try {
      const doc = JSON.parse(await file.text());
      const created = await workflowsApi.import(doc);
      navigate(`/workflows/${created.workflow.id}`);
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <>
      <PageHeader
        title="Workflows"
        subtitle="Design, version and run automations."
        actions={
          <>
            <input
              ref={fileRef}
              type="file"
              accept="application/json,.json"
              hidden
              onChange={(e) => e.target.files?.[0] && importFile(e.target.files[0])}
            />
            <button className="btn" onClick={() => fileRef.current?.click()}>
              Import JSON
            </button>
            <button className="btn primary" onClick={() => setCreating(true)} data-testid="new-workflow">
              + New workflow
            </button>
          </>
        }
      />
      {actionError != null && <ErrorBox error={actionError} />}
      <DescribeBox
        placeholder="When a refill request arrives by webhook, check the stock with the pharmacy server; if fewer than 20 are left ask a pharmacist to approve, then dispense and reply with the new stock."
        onDraft={(d, prompt) => setDraft({ draft: d, prompt })}
      />
      {list.loading && !list.data && <Loading label="Loading workflows…" />}
      {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.length === 0 && (
        <Empty
          title="No workflows yet"
          action={
            <button className="btn primary" onClick={() => setCreating(true)}>
              Create your first workflow
            </button>
          }
        >
          A workflow is a graph of steps: a trigger, tool calls, logic and approvals. Create one and build it on the canvas, or import a
          JSON export.
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <>
          <div className="toolbar">
            <input
              type="search"
              placeholder="Search by name or description"
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setShown(pageSize);
              }}
              aria-label="Search workflows"
              style={{ width: 320 }}
            />
            <span className="muted small">
              Showing {visible.length} of {filtered.length}
              {filtered.length !== list.data.length ? ` matching (${list.data.length} in all)` : ""}
            </span>
          </div>
          <div className="table-wrap">
            <table className="table" data-testid="workflow-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th>Version</th>
                  <th>Last run</th>
                  <th>Updated</th>
                  <th aria-label="Enabled" />
                </tr>
              </thead>
              <tbody>
                {visible.map((w) => {
                  const run = lastRuns[w.id];
                  return (
                    <tr key={w.id}>
                      <td>
                        <Link to={`/workflows/${w.id}`}>
                          <strong>{w.name}</strong>
                        </Link>
                        {w.description && <div className="muted small">{w.description}</div>}
                      </td>
                      <td>
                        <Badge status={w.enabled ? "enabled" : "disabled"} />
                      </td>
                      <td className="mono">v{w.latestVersion}</td>
                      <td>
                        {run === undefined ? (
                          <span className="muted">…</span>
                        ) : run === null ? (
                          <span className="muted">never</span>
                        ) : (
                          <Link to={`/runs/${run.id}`}>
                            <Badge status={run.status} /> <span className="muted small">{when(run.createdAt)}</span>
                          </Link>
                        )}
                      </td>
                      <td className="muted">{when(w.updatedAt)}</td>
                      <td>
                        <button
                          className="switch"
                          role="switch"
                          aria-checked={w.enabled}
                          aria-label={`${w.enabled ? "Disable" : "Enable"} ${w.name}`}
                          onClick={() => toggle(w)}
                        />
                      </td>
                    </tr>
                  );
                })}
                {visible.length === 0 && (
                  <tr>
                    <td colSpan={6} className="muted">
                      No workflow matches “{search}”.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          {filtered.length > shown && (
            <div className="row" style={{ justifyContent: "center", marginTop: 16 }}>
              <button className="btn" onClick={() => setShown((s) => s + pageSize)}>
                Show {Math.min(pageSize, filtered.length - shown)} more
              </button>
            </div>
          )}
        </>
      )}
      {creating && <CreateWorkflow onClose={() => setCreating(false)} />}
      {draft && (
        <Suspense fallback={<Loading />}>
          <DraftDialog draft={draft.draft} prompt={draft.prompt} onClose={() => setDraft(null)} />
        </Suspense>
      )}
      {toast}
    </>
  );
}

/** The latest run of each visible workflow, fetched a few at a time so a long list renders at once. */
function useLastRuns(ids: string[]): Record<string, Run | null | undefined> {
  const [runs, setRuns] = useState<Record<string, Run | null>>({});
  const key = ids.join(",");
  useEffect(() => {
    let cancelled = false;
    const todo = ids.filter((id) => !(id in runs));
    let next = 0;
    const worker = async () => {
      while (!cancelled && next < todo.length) {
        const id = todo[next++];
        try {
          const latest = await runsApi.latestOf(id);
          if (!cancelled) setRuns((r) => ({ ...r, [id]: latest }));
        } catch {
          if (!cancelled) setRuns((r) => ({ ...r, [id]: null }));
        }
      }
    };
    for (let i = 0; i < 4; i++) void worker();
    return () => {
      cancelled = true;
    };
  }, [key]);
  return runs;
}

function CreateWorkflow({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [build, setBuild] = useState<() => Promise<Graph>>(() => async () => buildTemplate("blank", []));
  const pickTemplate = useCallback((b: () => Promise<Graph>) => setBuild(() => b), []);
  const { busy, error, submit } = useSubmit(async () => {
    const graph = await build();
    const created = await workflowsApi.create({ name: name.trim(), description: description.trim() || null, graph, message: "Created" });
    navigate(`/workflows/${created.workflow.id}`);
  });
  return (
    <Modal title="New workflow" onClose={onClose}>
      <form onSubmit={submit}>
        {error != null && <ErrorBox error={error} />}
        <label className="field">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required data-testid="workflow-name" />
        </label>
        <label className="field">
          Description <span className="hint">optional</span>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <TemplatePicker onChange={pickTemplate} />
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy || !name.trim()}>
            Create and open editor
          </button>
        </div>
      </form>
    </Modal>
  );
}
