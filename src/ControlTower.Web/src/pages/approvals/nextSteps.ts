import type { RunNode } from "../../api/runs";

const finishedRuns = new Set(["completed", "failed", "cancelled"]);

export const runFinished = (status: string) => finishedRuns.has(status);

export interface NextSteps {
  /** The governed action the approval guarded (the same node, run again once decided), if it was one. */
  action: RunNode | null;
  /** The nodes the run started after the decision, in the order they started. */
  following: RunNode[];
}

/**
 * What the run did once the approval closed: for a governed action the action itself, then every other node that
 * started at or after the decision. Nodes started before it (another branch) are not "next".
 */
export function nextSteps(nodes: RunNode[], approval: { nodeId: string; nodeType: string; resolvedAt?: string | null }): NextSteps {
  const since = approval.resolvedAt ? Date.parse(approval.resolvedAt) : Number.NaN;
  const action = approval.nodeType === "governed.action" ? (nodes.find((n) => n.nodeId === approval.nodeId) ?? null) : null;
  const following = nodes
    .filter((n) => n.nodeId !== approval.nodeId && n.startedAt && !Number.isNaN(since) && Date.parse(n.startedAt) >= since)
    .sort((a, b) => Date.parse(a.startedAt ?? "") - Date.parse(b.startedAt ?? ""));
  return { action, following };
}

/** A governed action's state in words: what a person deciding it wants to know. */
export function actionState(node: RunNode): string {
  switch (node.status) {
    case "pending":
    case "ready":
    case "running":
      return "executing";
    case "backing_off":
      return "failed once, retrying";
    case "failed":
      return "failed";
    case "succeeded":
      if (node.outcome === "rejected" || node.outcome === "expired") return `not executed (${node.outcome})`;
      return node.outcome === "error" ? "failed" : "executed and succeeded";
    default:
      return node.status;
  }
}
