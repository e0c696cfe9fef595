import { useEffect, useState } from "react";
import { ErrorBox, Loading } from "../../ui";
import { approvalsApi, type Approval } from "../../api/approvals";
import { ApprovalCard } from "./ApprovalCard";
import { WhatHappenedNext } from "./WhatHappenedNext";

/**
 * The approval this run's node opened, if any: decided right here while pending, and once decided (here or
 * elsewhere) what the run did next, live while it moves.
 */
export function RunApproval({ runId, nodeId }: { runId: string; nodeId: string }) {
  const [approval, setApproval] = useState<Approval | null | undefined>(undefined);
  const [decidedHere, setDecidedHere] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    approvalsApi.list(`runId=${runId}`).then(
      (page) => {
        // A retried node opens a new approval per attempt: the latest is the one that counts.
        const mine = page.items.filter((a) => a.nodeId === nodeId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        if (live) setApproval(mine[0] ?? null);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [runId, nodeId]);
  if (error) return <ErrorBox error={error} />;
  if (approval === undefined) return <Loading label="Looking for its approval…" />;
  if (approval === null) return null;
  if (approval.status === "pending")
    return (
      <div data-testid="run-approval">
        <ApprovalCard
          approval={approval}
          onDecided={(after) => {
            setDecidedHere(true);
            setApproval(after);
          }}
        />
      </div>
    );
  return (
    <div data-testid="run-approval-decided">
      {decidedHere && <p className="notice">Decision recorded. The run continues from this node.</p>}
      {approval.resolvedAt ? (
        <WhatHappenedNext approval={approval} />
      ) : (
        <p className="muted small">The approval was {approval.status} before anyone decided.</p>
      )}
    </div>
  );
}
