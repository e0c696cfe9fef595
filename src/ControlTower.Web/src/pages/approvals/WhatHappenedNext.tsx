import { useEffect, useState } from "react";
import type { Approval } from "../../api/approvals";
import { runsApi, type Run } from "../../api/runs";
import { Link } from "../../router";
import { Badge, ErrorBox, when } from "../../ui";
import { actionState, nextSteps, runFinished } from "./nextSteps";

const refreshMs = 1500;

/** The approval's run, reloaded every 1.5 s until it finishes (or the card goes away). */
function useRunUntilFinished(runId: string) {
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const tick = () =>
      runsApi.get(runId).then(
        (r) => {
          if (!live) return;
          setRun(r);
          setError(null);
          if (!runFinished(r.status)) timer = window.setTimeout(tick, refreshMs);
        },
        (e) => {
          if (!live) return;
          setError(e);
          timer = window.setTimeout(tick, refreshMs * 2);
        },
      );
    void tick();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [runId]);
  return { run, error };
}

/**
 * After a decision: what the run did next, live while it moves. The governed action the approval guarded (executed,
 * succeeded or failed), each node the run started after the decision, and the run's status, linked to the run.
 */
export function WhatHappenedNext({ approval }: { approval: Approval }) {
  const { run, error } = useRunUntilFinished(approval.runId);
  if (error != null && !run) return <ErrorBox error={error} />;
  if (!run) return <p className="muted small">Following the run…</p>;
  const { action, following } = nextSteps(run.nodes ?? [], approval);
  const moving = !runFinished(run.status);
  return (
    <section className="what-next" data-testid="what-next" aria-label="What happened next" aria-live="polite">
      <h4 className="row" style={{ justifyContent: "space-between" }}>
        <span>What happened next</span>
        <span className="row small">
          run{" "}
          <span data-testid="what-next-run-status">
            <Badge status={run.status} />
          </span>
          {run.outcome && <Badge status={run.outcome === "success" ? "completed" : "failed"}>{run.outcome}</Badge>}
          <Link to={`/runs/${run.id}`} data-testid="what-next-run">
            Open the run
          </Link>
        </span>
      </h4>
      {action && (
        <p className="small" data-testid="what-next-action">
          The governed action <code>{action.nodeId}</code> was <strong>{actionState(action)}</strong>
          {action.finishedAt && <span className="muted"> · {when(action.finishedAt)}</span>}
        </p>
      )}
      {following.length > 0 ? (
        <ol className="what-next-steps small">
          {following.map((n) => (
            <li key={n.nodeId} data-testid="what-next-step" data-node={n.nodeId}>
              <code>{n.nodeId}</code> <span className="muted">{n.nodeType}</span> <Badge status={n.status} />
              {n.outcome && n.status === "succeeded" && <span className="muted"> → {n.outcome}</span>}
            </li>
          ))}
        </ol>
      ) : (
        !action && (
          <p className="muted small">{moving ? "The run has not moved past the approval yet…" : "No node ran after the decision."}</p>
        )
      )}
      {moving && <p className="muted small">Live: updates while the run moves.</p>}
    </section>
  );
}
