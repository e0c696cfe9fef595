import { useState } from "react";
import { runsApi, type Run } from "../../api/runs";
import { bulkTargets } from "./runFilters";

/** Cancel or retry the selected runs; each button counts only the runs it applies to and is disabled when none. */
export function BulkBar({ runs, selected, onDone }: { runs: Run[]; selected: ReadonlySet<string>; onDone: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  if (selected.size === 0) return null;
  const cancellable = bulkTargets(runs, selected, "cancel");
  const retryable = bulkTargets(runs, selected, "retry");

  const apply = async (targets: Run[], verb: "cancel" | "retry") => {
    setBusy(true);
    const results = await Promise.allSettled(
      targets.map((r) => (verb === "cancel" ? runsApi.cancel(r.id, "cancelled in bulk from the runs list") : runsApi.retry(r.id))),
    );
    setBusy(false);
    const failed = results.filter((r) => r.status === "rejected").length;
    const done = results.length - failed;
    const past = verb === "cancel" ? "Cancelled" : "Retried";
    onDone(
      `${past} ${done} run${done === 1 ? "" : "s"}${failed ? `; ${failed} could not be ${verb === "cancel" ? "cancelled" : "retried"} (finished meanwhile?)` : ""}`,
    );
  };

  return (
    <div className="toolbar bulk-bar" role="region" aria-label="Bulk actions" data-testid="bulk-bar">
      <strong className="small">{selected.size} selected</strong>
      <button
        className="btn sm danger"
        disabled={busy || cancellable.length === 0}
        onClick={() => apply(cancellable, "cancel")}
        title="Cancels the selected runs that have not finished"
      >
        Cancel {cancellable.length} unfinished
      </button>
      <button
        className="btn sm primary"
        disabled={busy || retryable.length === 0}
        onClick={() => apply(retryable, "retry")}
        title="Retries the selected failed runs from their failed node"
      >
        Retry {retryable.length} failed
      </button>
    </div>
  );
}
