import type { Run } from "../../api/runs";

/** A node as the run view draws it, kept current from the run's event stream. */
export interface NodeLive {
  status: string;
  attempt: number;
  outcome?: string;
  error?: { code: string; message: string };
  waitReason?: string;
}

/** Each node's live state as the run reports it. */
export function liveFrom(run: Run): Record<string, NodeLive> {
  return Object.fromEntries(
    (run.nodes ?? []).map((n) => [
      n.nodeId,
      {
        status: n.status,
        attempt: n.attempt,
        outcome: n.outcome ?? undefined,
        error: n.error as NodeLive["error"],
        waitReason: n.waitReason ?? undefined,
      },
    ]),
  );
}
