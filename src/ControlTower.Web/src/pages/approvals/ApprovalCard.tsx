import { useState } from "react";
import { approvalsApi, type Approval } from "../../api/approvals";
import { Link } from "../../router";
import { Badge, ErrorBox, useToast, when } from "../../ui";
import { ApprovalEvidence, governedWhy } from "../ApprovalEvidence";
import { commentHint, commentRule, mayDecide } from "./commentRule";
import { WhatHappenedNext } from "./WhatHappenedNext";

/**
 * One approval: its evidence and votes, the decision form while pending (a comment where the approval asks for one),
 * and once closed what the run did next: followed live when `next` is "open", behind a fold otherwise.
 */
export function ApprovalCard({
  approval,
  workflowName,
  onDecided,
  next = "folded",
}: {
  approval: Approval;
  workflowName?: string;
  onDecided: (after: Approval) => void;
  next?: "open" | "folded";
}) {
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [key] = useState(() => crypto.randomUUID());
  const [toast, say] = useToast();
  const pending = approval.status === "pending";
  const rule = commentRule(approval.commentRequired);
  const decide = async (decision: "approve" | "reject") => {
    if (!mayDecide(rule, decision, comment)) return;
    setBusy(true);
    setError(null);
    try {
      const result = await approvalsApi.decide(approval.id, { decision, comment: comment.trim() || null }, `${key}:${decision}`);
      say(decision === "approve" ? "Approved" : "Rejected");
      onDecided(result.approval as Approval);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article className="card card-pad stack" data-testid="approval" aria-label={approval.title ?? "Approval"}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h3>{approval.title || `Approval for ${approval.nodeId}`}</h3>
        <Badge status={approval.status} />
      </div>
      <p className="muted small">
        {workflowName && (
          <>
            <Link to={`/workflows/${approval.workflowId}`} data-testid="approval-workflow">
              {workflowName}
            </Link>{" "}
            ·{" "}
          </>
        )}
        <>
          run{" "}
          <Link to={`/runs/${approval.runId}`} className="mono">
            {approval.runId.slice(0, 8)}
          </Link>{" "}
          ·{" "}
        </>
        <>
          node <code>{approval.nodeId}</code> ·{" "}
        </>
        requested {when(approval.createdAt)}
        {approval.expiresAt && <> · expires {new Date(approval.expiresAt).toLocaleString()}</>}
      </p>
      {approval.instructions && approval.instructions !== governedWhy(approval.evidence) && <p>{approval.instructions}</p>}
      {approval.evidence != null && <ApprovalEvidence value={approval.evidence} />}
      {approval.decisions.length > 0 && (
        <ul className="small" style={{ margin: 0, paddingLeft: 18 }}>
          {approval.decisions.map((d, i) => (
            <li key={i}>
              <strong>{d.decidedBy}</strong> {d.decision}
              {d.comment ? `: “${d.comment}”` : ""} <span className="muted">{when(d.decidedAt)}</span>
            </li>
          ))}
        </ul>
      )}
      {error != null && <ErrorBox error={error} />}
      {pending && (
        <div className="approval-decide">
          <label className="field">
            <span>
              Comment <span className="hint">{commentHint(rule)}</span>
            </span>
            <input
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              placeholder="Why you decide so"
              required={rule === "always"}
              aria-required={rule !== "never"}
              data-testid="decision-comment"
            />
          </label>
          <div className="row">
            <button
              className="btn danger"
              disabled={busy || !mayDecide(rule, "reject", comment)}
              onClick={() => decide("reject")}
              data-testid="reject"
            >
              Reject
            </button>
            <button
              className="btn primary"
              disabled={busy || !mayDecide(rule, "approve", comment)}
              onClick={() => decide("approve")}
              data-testid="approve"
            >
              Approve
            </button>
          </div>
        </div>
      )}
      {!pending && approval.resolvedAt && (next === "open" ? <WhatHappenedNext approval={approval} /> : <FoldedNext approval={approval} />)}
      {toast}
    </article>
  );
}

/** What happened next behind a fold: the run is loaded (and followed) only once it is opened. */
function FoldedNext({ approval }: { approval: Approval }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="what-next-fold" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>What happened next</summary>
      {open && <WhatHappenedNext approval={approval} />}
    </details>
  );
}
