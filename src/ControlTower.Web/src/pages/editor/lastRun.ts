import { useCallback, useEffect, useState } from "react";
import { runsApi } from "../../api/runs";
import type { RunData } from "./suggest";

/** The workflow's latest run: its input and each node's last successful output (for pins, single-node runs, autocomplete). */
export function useLastRun(workflowId: string): { last: (RunData & { runId: string }) | null; reload: () => void } {
  const [last, setLast] = useState<(RunData & { runId: string }) | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    (async () => {
      const run = await runsApi.latestOf(workflowId);
      if (!run) return null;
      const attempts = await runsApi.attempts(run.id);
      const outputs: Record<string, unknown> = {};
      for (const a of attempts) if (a.status === "succeeded") outputs[a.nodeId] = a.output;
      return { runId: run.id, input: run.input, outputs };
    })().then(
      (r) => live && setLast(r),
      () => live && setLast(null),
    );
    return () => {
      live = false;
    };
  }, [workflowId, generation]);
  return { last, reload: useCallback(() => setGeneration((g) => g + 1), []) };
}
