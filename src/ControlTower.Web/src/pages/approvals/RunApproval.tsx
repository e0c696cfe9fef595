import { useEffect, useState } from "react";
import { ErrorBox, Loading } from "../../ui";
import { approvalsApi, type Approval } from "../../api/approvals";
import { ApprovalCard } from "./ApprovalCard";
import { WhatHappenedNext } from "./WhatHappenedNext";

/** The approval a waiting node of this run waits on, decided right here; then what the run did next. */
export function RunApproval({ runId, nodeId }: { runId: string; nodeId: string }) {
  const [approval, setApproval] = useState<Approval | null | undefined>(undefined);
  const [decided, setDecided] = useState<Approval | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    approvalsApi.list(`runId=${runId}&status=pending`).then(
      (page) => {
        if (live) setApproval(page.items.find((a) => a.nodeId === nodeId) ?? null);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [runId, nodeId]);
  if (error) return <ErrorBox error={error} />;
  if (decided)
    return (
      <div data-testid="run-approval-decided">
        <p className="notice">Decision recorded. The run continues from this node.</p>
        {decided.status === "pending" ? (
          <p className="muted small">The approval needs more votes before the run moves on.</p>
        ) : (
          <WhatHappenedNext approval={decided} />
        )}
      </div>
    );
  if (approval === undefined) return <Loading label="Looking for its approval…" />;
  if (approval === null) return null;
  return (
    <div data-testid="run-approval">
      <ApprovalCard approval={approval} onDecided={setDecided} />
    </div>
  );
}
