import { useCallback, useEffect, useState } from "react";
import { api, type NodeAttempt, type RunPage } from "../../api";
import type { RunData } from "./suggest";

/** The workflow's latest run: its input and each node's last successful output (for pins, single-node runs, autocomplete). */
export function useLastRun(workflowId: string): { last: (RunData & { runId: string }) | null; reload: () => void } {
  const [last, setLast] = useState<(RunData & { runId: string }) | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    (async () => {
      const page = await api.get<RunPage>(`/api/runs?workflowId=${workflowId}&limit=1`);
      const run = page.items[0];
      if (!run) return null;
      const attempts = await api.get<NodeAttempt[]>(`/api/runs/${run.id}/nodes`);
      const outputs: Record<string, unknown> = {};
      for (const a of attempts) if (a.status === "succeeded") outputs[a.nodeId] = a.output;
      return { runId: run.id, input: run.input, outputs };
    })().then((r) => live && setLast(r), () => live && setLast(null));
    return () => { live = false; };
  }, [workflowId, generation]);
  return { last, reload: useCallback(() => setGeneration((g) => g + 1), []) };
}
