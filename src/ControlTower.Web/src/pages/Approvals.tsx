import { useEffect, useState } from "react";
import { ApiError } from "../api";
import { workflowsApi, type WorkflowSummary } from "../api/workflows";
import { Empty, ErrorBox, Loading, PageHeader, useAsync } from "../ui";
import { approvalsApi, type Approval } from "../api/approvals";
import { ApprovalCard } from "./approvals/ApprovalCard";

export function ApprovalsPage() {
  const [tab, setTab] = useState<"pending" | "closed">("pending");
  // Decided here: they leave the pending list but stay on top, following their runs, until the page is left.
  const [decided, setDecided] = useState<Approval[]>([]);
  const list = useAsync(
    () =>
      tab === "pending"
        ? approvalsApi.list("status=pending").then((p) => p.items)
        : approvalsApi.list("").then((p) => p.items.filter((a) => a.status !== "pending")),
    [tab],
  );
  // Approvals carry the workflow's id only; its name comes from the list (a page still works without it).
  const workflows = useAsync(() => workflowsApi.list().catch(() => [] as WorkflowSummary[]), []);
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
      <PageHeader
        title="Approvals"
        subtitle="Human gates waiting for a decision. Each says whether a comment is required (to reject, or always); every decision is audited."
        actions={
          <button className="btn" onClick={list.reload}>
            Refresh
          </button>
        }
      />
      <div className="tabs" role="tablist">
        <button role="tab" aria-selected={tab === "pending"} onClick={() => setTab("pending")}>
          Pending for me
        </button>
        <button role="tab" aria-selected={tab === "closed"} onClick={() => setTab("closed")}>
          Closed
        </button>
      </div>
      {unavailable && (
        <Empty title="Approvals are not available on this server">
          This server does not expose the approvals API (<code>/api/approvals</code>) yet. Workflows with an Approval node wait here for a
          decision once governance is deployed.
        </Empty>
      )}
      {list.error != null && !unavailable && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading label="Loading approvals…" />}
      {list.data && list.data.length === 0 && (
        <Empty title={tab === "pending" ? "Nothing waits for you" : "No closed approvals yet"}>
          {tab === "pending"
            ? "When a run reaches an Approval node you may decide, it appears here."
            : "Decided, expired and cancelled approvals are listed here."}
        </Empty>
      )}
      {tab === "pending" && decided.length > 0 && (
        <section className="stack" aria-label="Just decided" data-testid="just-decided" style={{ marginBottom: 16 }}>
          {decided.map((a) => (
            <ApprovalCard key={a.id} approval={a} workflowName={names.get(a.workflowId)} onDecided={list.reload} next="open" />
          ))}
        </section>
      )}
      <div className="stack">
        {list.data
          ?.filter((a) => tab !== "pending" || !decided.some((d) => d.id === a.id && d.status !== "pending"))
          .map((a) => (
            <ApprovalCard
              key={a.id}
              approval={a}
              workflowName={names.get(a.workflowId)}
              onDecided={(after) => {
                if (after.status !== "pending") setDecided((d) => [after, ...d.filter((x) => x.id !== after.id)]);
                list.reload();
              }}
            />
          ))}
      </div>
    </>
  );
}
