import { useEffect, useState } from "react";
import { api, getOptional } from "../../api";

interface Hold {
  runId: string;
  heldBy: string;
  reason: string | null;
  createdAt: string;
}

/** Keep this run out of retention (or let it go again); the pruner never removes a held run. */
export function RunHold({ runId }: { runId: string }) {
  const [hold, setHold] = useState<Hold | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getOptional<Hold>(`/api/runs/${runId}/hold`).then(
      (h) => setHold(h ?? null),
      (e: unknown) => setError(String(e)),
    );
  }, [runId]);
  const toggle = async () => {
    try {
      if (hold) {
        await api.del(`/api/runs/${runId}/hold`);
        setHold(null);
      } else {
        setHold(await api.put<Hold>(`/api/runs/${runId}/hold`, { reason: "kept from the run view" }));
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
