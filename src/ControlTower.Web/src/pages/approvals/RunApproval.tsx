import { useEffect, useState } from "react";
import { ErrorBox, Loading } from "../../ui";
import { approvalsApi, type Approval } from "../../api/approvals";
import { ApprovalCard } from "./ApprovalCard";

/** The approval a waiting node of this run waits on, decided right here; the run view's live stream shows what follows. */
export function RunApproval({ runId, nodeId }: { runId: string; nodeId: string }) {
  const [approval, setApproval] = useState<Approval | null | undefined>(undefined);
  const [decided, setDecided] = useState(false);
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
      <p className="notice" data-testid="run-approval-decided">
        Decision recorded. The run continues from this node; its next steps appear on the canvas.
      </p>
    );
  if (approval === undefined) return <Loading label="Looking for its approval…" />;
  if (approval === null) return null;
  return (
    <div data-testid="run-approval">
      <ApprovalCard approval={approval} onDecided={() => setDecided(true)} />
    </div>
  );
}
