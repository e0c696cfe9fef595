import { useEffect, useState } from "react";
import { api, ApiError, type WorkflowSummary } from "../api";
import { Link } from "../router";
import { ApprovalEvidence, governedWhy } from "./ApprovalEvidence";
import { Badge, Empty, ErrorBox, Loading, PageHeader, useAsync, useToast, when } from "../ui";

// Approvals come from the governance API; its items are read defensively (fields may be absent).
interface Approval {
  id: string; status?: string; title?: string | null; instructions?: string | null; evidence?: unknown;
  runId?: string; workflowId?: string; workflowName?: string; nodeId?: string;
  createdAt?: string; expiresAt?: string | null; requestedBy?: string;
  decisions?: { decidedBy?: string; actor?: string; decision: string; comment?: string | null; decidedAt?: string; createdAt?: string }[];
}

function items(body: unknown): Approval[] {
  if (Array.isArray(body)) return body as Approval[];
  const b = body as { items?: Approval[] } | null;
  return b?.items ?? [];
}

export function ApprovalsPage() {
  const [tab, setTab] = useState<"pending" | "closed">("pending");
  const list = useAsync(() => tab === "pending"
    ? api.get<unknown>("/api/approvals?status=pending").then(items)
    : api.get<unknown>("/api/approvals").then((b) => items(b).filter((a) => (a.status ?? "pending") !== "pending")), [tab]);
  // Approvals carry the workflow's id only; its name comes from the list (a page still works without it).
  const workflows = useAsync(() => api.get<WorkflowSummary[]>("/api/workflows").catch(() => [] as WorkflowSummary[]), []);
  const names = new Map((workflows.data ?? []).map((w) => [w.id, w.name]));
  const unavailable = list.error instanceof ApiError && list.error.status === 404;
  // Runs open approvals on their own (a second check after a verification): the pending inbox follows them.
  const { reload } = list;
  useEffect(() => {
    if (tab !== "pending" || unavailable) return;
    const timer = window.setInterval(() => document.visibilityState === "visible" && reload(), 5000);
    return () => window.clearInterval(timer);
  }, [tab, unavailable, reload]);
  return (
    <>
      <PageHeader title="Approvals" subtitle="Human gates waiting for a decision. Approve or reject with a comment; every decision is audited." actions={<button className="btn" onClick={list.reload}>Refresh</button>} />
      <div className="tabs" role="tablist">
        <button role="tab" aria-selected={tab === "pending"} onClick={() => setTab("pending")}>Pending for me</button>
        <button role="tab" aria-selected={tab === "closed"} onClick={() => setTab("closed")}>Closed</button>
      </div>
      {unavailable && (
        <Empty title="Approvals are not available on this server">
          This server does not expose the approvals API (<code>/api/approvals</code>) yet. Workflows with an Approval node wait here for a decision once governance is deployed.
        </Empty>
      )}
      {list.error != null && !unavailable && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading label="Loading approvals…" />}
      {list.data && list.data.length === 0 && (
        <Empty title={tab === "pending" ? "Nothing waits for you" : "No closed approvals yet"}>
          {tab === "pending" ? "When a run reaches an Approval node you may decide, it appears here." : "Decided, expired and cancelled approvals are listed here."}
        </Empty>
      )}
      <div className="stack">
        {list.data?.map((a) => <ApprovalCard key={a.id} approval={a} workflowName={a.workflowName ?? (a.workflowId ? names.get(a.workflowId) : undefined)} onDecided={list.reload} />)}
      </div>
    </>
  );
}

function ApprovalCard({ approval, workflowName, onDecided }: { approval: Approval; workflowName?: string; onDecided: () => void }) {
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [key] = useState(() => crypto.randomUUID());
  const [toast, say] = useToast();
  const pending = (approval.status ?? "pending") === "pending";
  const decide = async (decision: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/approvals/${approval.id}/decisions`, { decision, comment: comment.trim() || null }, { "Idempotency-Key": `${key}:${decision}` });
      say(decision === "approve" ? "Approved" : "Rejected");
      onDecided();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article className="card card-pad stack" data-testid="approval" aria-label={approval.title ?? "Approval"}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h3>{approval.title || `Approval for ${approval.nodeId ?? "a node"}`}</h3>
        <Badge status={approval.status ?? "pending"} />
      </div>
      <p className="muted small">
        {workflowName && <><Link to={`/workflows/${approval.workflowId}`} data-testid="approval-workflow">{workflowName}</Link> · </>}
        {approval.runId && <>run <Link to={`/runs/${approval.runId}`} className="mono">{approval.runId.slice(0, 8)}</Link> · </>}
        {approval.nodeId && <>node <code>{approval.nodeId}</code> · </>}
        requested {when(approval.createdAt)}{approval.expiresAt && <> · expires {new Date(approval.expiresAt).toLocaleString()}</>}
      </p>
      {approval.instructions && approval.instructions !== governedWhy(approval.evidence) && <p>{approval.instructions}</p>}
      {approval.evidence !== undefined && approval.evidence !== null && <ApprovalEvidence value={approval.evidence} />}
      {approval.decisions && approval.decisions.length > 0 && (
        <ul className="small" style={{ margin: 0, paddingLeft: 18 }}>
          {approval.decisions.map((d, i) => <li key={i}><strong>{d.decidedBy ?? d.actor}</strong> {d.decision}{d.comment ? `: “${d.comment}”` : ""} <span className="muted">{when(d.decidedAt ?? d.createdAt)}</span></li>)}
        </ul>
      )}
      {error != null && <ErrorBox error={error} />}
      {pending && (
        <div className="row" style={{ alignItems: "flex-end" }}>
          <label className="field" style={{ flex: 1, margin: 0 }}>Comment<input value={comment} onChange={(e) => setComment(e.target.value)} placeholder="Why (recorded in the audit log)" /></label>
          <button className="btn danger" disabled={busy} onClick={() => decide("reject")}>Reject</button>
          <button className="btn primary" disabled={busy} onClick={() => decide("approve")} data-testid="approve">Approve</button>
        </div>
      )}
      {toast}
    </article>
  );
}
