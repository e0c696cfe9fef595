import type { NodeAttempt } from "../../api/runs";
import { Link } from "../../router";
import { Badge, duration } from "../../ui";
import { TrustEvidence, type TrustEvidenceShape } from "../TrustEvidence";
import { RunApproval } from "../approvals/RunApproval";
import { PayloadJson } from "./PayloadJson";
import type { NodeLive } from "./nodeLive";

export function NodeDetails({
  runId,
  nodeId,
  attempts,
  live,
  onClose,
}: {
  runId: string;
  nodeId: string;
  attempts: NodeAttempt[];
  live?: NodeLive;
  onClose: () => void;
}) {
  return (
    <div className="stack" data-testid="node-details">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h3 className="mono">{nodeId}</h3>
        <button className="btn ghost sm" onClick={onClose}>
          Close
        </button>
      </div>
      {live && (
        <p>
          <Badge status={live.status} />{" "}
          {live.outcome && (
            <span className="muted small">
              outcome <code>{live.outcome}</code>
            </span>
          )}
          {live.status === "waiting" && live.waitReason && (
            <span className="muted small" data-testid="wait-reason">
              waiting for <code>{live.waitReason}</code>
            </span>
          )}
        </p>
      )}
      {live?.status === "waiting" && live.waitReason === "node_type_disabled" && (
        <p className="small" data-testid="node-type-disabled-note">
          Its node type is switched off (Governance → <Link to="/governance?tab=node-types">Node types</Link>). It has not run; it resumes
          by itself when the type is switched back on.
        </p>
      )}
      {(live?.status === "waiting" || attempts.some((a) => a.nodeType === "approval" || a.nodeType === "governed.action")) && (
        <RunApproval runId={runId} nodeId={nodeId} />
      )}
      {live?.error && (
        <div className="error-box">
          <strong>{live.error.message}</strong>
          <code className="code-chip">{live.error.code}</code>
        </div>
      )}
      {attempts.length === 0 && <p className="muted small">This node has not run.</p>}
      {attempts.map((a) => (
        <div key={a.attempt} className="card card-pad stack" style={{ gap: 8 }}>
          <div className="row" style={{ justifyContent: "space-between" }}>
            <strong>Attempt {a.attempt}</strong>
            <span className="row">
              <Badge status={a.status} />
              <span className="mono small">{duration(a.durationMs)}</span>
            </span>
          </div>
          {a.errorCode && (
            <div className="error-box" style={{ margin: 0 }}>
              <span>{a.errorMessage}</span>
              <code className="code-chip">{a.errorCode}</code>
            </div>
          )}
          <ExecutionLink attempt={a} />
          <TrustOfAttempt attempt={a} />
          <div>
            <strong className="small">Input</strong>
            <PayloadJson runId={runId} value={a.input} />
          </div>
          <div>
            <strong className="small">Output</strong>
            <PayloadJson runId={runId} value={a.output} />
          </div>
          <span className="muted small mono">key {a.idempotencyKey}</span>
        </div>
      ))}
    </div>
  );
}

/** What the trust stage decided for a governed action (the mode and why; predictions unless in shadow). */
export function TrustOfAttempt({ attempt }: { attempt: NodeAttempt }) {
  const output = attempt.output as { trust?: TrustEvidenceShape | null } | null;
  if (attempt.nodeType !== "governed.action" || !output?.trust) return null;
  return <TrustEvidence trust={output.trust} />;
}

/** A governed action that ran recorded an execution: its diff and rollback are one click away. */
export function ExecutionLink({ attempt }: { attempt: NodeAttempt }) {
  const output = attempt.output as { executionId?: unknown } | null;
  if (attempt.nodeType !== "governed.action" || typeof output?.executionId !== "string") return null;
  return (
    <Link
      to={`/governance?tab=executions&execution=${output.executionId}`}
      className="btn sm"
      style={{ alignSelf: "flex-start" }}
      data-testid="open-execution"
    >
      Open the execution: what changed, undo
    </Link>
  );
}
