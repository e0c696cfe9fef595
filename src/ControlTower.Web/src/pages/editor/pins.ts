import { useCallback, useState } from "react";
import type { Graph } from "../../api/workflows";

// Pinned node outputs, per workflow in this browser. They are sent only with a manual test run, and the server feeds
// them only to such runs: a pinned node answers with its pin instead of running (no tool is called).

export type Pins = Record<string, unknown>;
const key = (workflowId: string) => `ct.pins.${workflowId}`;

export function usePins(workflowId: string): [Pins, (nodeId: string, output: unknown | undefined) => void] {
  const [pins, setPins] = useState<Pins>(() => {
    try {
      return JSON.parse(localStorage.getItem(key(workflowId)) ?? "{}") as Pins;
    } catch {
      return {};
    }
  });
  const setPin = useCallback(
    (nodeId: string, output: unknown | undefined) =>
      setPins((p) => {
        const next = { ...p };
        if (output === undefined) delete next[nodeId];
        else next[nodeId] = output;
        if (Object.keys(next).length) localStorage.setItem(key(workflowId), JSON.stringify(next));
        else localStorage.removeItem(key(workflowId));
        return next;
      }),
    [workflowId],
  );
  return [pins, setPin];
}

/** Node types that only compute from their inputs: re-running them on the same input gives the same result. */
const pureTypes = new Set(["transform", "condition", "switch", "merge", "respond", "fail"]);

/**
 * The pins that run one node on the input of its last run: the pure nodes before it run again and compute the same
 * values, every other node (tools, approvals, waits, and everything after the target) answers with its last output.
 */
export function singleNodePins(graph: Graph, target: string, lastOutputs: Record<string, unknown>): Pins {
  const after = new Set<string>();
  const queue = [target];
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of graph.edges)
      if (e.source === id && !after.has(e.target) && e.target !== target) {
        after.add(e.target);
        queue.push(e.target);
      }
  }
  const pins: Pins = {};
  for (const n of graph.nodes) {
    if (n.id === target || n.type.startsWith("trigger.")) continue;
    if (after.has(n.id) || !pureTypes.has(n.type)) pins[n.id] = lastOutputs[n.id] ?? null;
  }
  return pins;
}
