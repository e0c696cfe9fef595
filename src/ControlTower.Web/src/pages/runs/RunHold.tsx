import { useEffect, useState } from "react";
import { runsApi, type RunHold as Hold } from "../../api/runs";

/** Keep this run out of retention (or let it go again); the pruner never removes a held run. */
export function RunHold({ runId }: { runId: string }) {
  const [hold, setHold] = useState<Hold | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    runsApi.hold(runId).then(
      (h) => setHold(h),
      (e: unknown) => setError(String(e)),
    );
  }, [runId]);
  const toggle = async () => {
    try {
      if (hold) {
        await runsApi.release(runId);
        setHold(null);
      } else {
        setHold(await runsApi.keep(runId, "kept from the run view"));
      }
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  if (hold === undefined) return null;
  return (
    <>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
      <button
        className="btn sm"
        onClick={toggle}
        data-testid="run-hold"
        title={hold ? `Kept by ${hold.heldBy}; retention skips this run` : "Retention will not prune this run while it is kept"}
      >
        {hold ? `Kept by ${hold.heldBy} · release` : "Keep this run"}
      </button>
    </>
  );
}
