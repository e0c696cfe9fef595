import { useEffect, useMemo, useState, type Dispatch, type SetStateAction } from "react";
import { workflowsApi, type Graph, type GraphProblem } from "../../api/workflows";
import type { CtNode } from "../../flow";

export interface NodeProblem {
  pointer: string;
  text: string;
}

/** The graph's problems by the node (or the edge's source node) their JSON pointer names. */
export function problemsByNodeOf(problems: GraphProblem[], graph: Graph): Map<string, NodeProblem[]> {
  const map = new Map<string, NodeProblem[]>();
  for (const p of problems) {
    const m = /^\/nodes\/(\d+)/.exec(p.jsonPointer);
    const node = m ? graph.nodes[Number(m[1])] : undefined;
    const edge = /^\/edges\/(\d+)/.exec(p.jsonPointer);
    const target = node?.id ?? (edge ? graph.edges[Number(edge[1])]?.source : undefined);
    if (!target) continue;
    map.set(target, [...(map.get(target) ?? []), { pointer: m ? p.jsonPointer.slice(m[0].length) : "", text: `${p.message} (${p.code})` }]);
  }
  return map;
}

/**
 * Validation on every structural change (debounced, for writers only); the problems are pinned on their nodes
 * so the canvas shows them, and the rest (about the whole graph) are returned apart.
 */
export function useValidation(graph: Graph, canWrite: boolean, setNodes: Dispatch<SetStateAction<CtNode[]>>) {
  const [problems, setProblems] = useState<GraphProblem[]>([]);
  const structuralKey = JSON.stringify({ n: graph.nodes.map((n) => [n.id, n.type, n.config]), e: graph.edges, c: graph.config });
  useEffect(() => {
    if (!canWrite) return;
    const t = setTimeout(() => {
      workflowsApi.validate(graph).then(
        (r) => setProblems(r.problems),
        () => undefined,
      );
    }, 400);
    return () => clearTimeout(t);
    // The structural key stands for the graph: moving a node does not revalidate.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [structuralKey, canWrite]);

  // Pointers index the graph as it was validated, so the map follows the problems only.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const problemsByNode = useMemo(() => problemsByNodeOf(problems, graph), [problems]);
  useEffect(() => {
    setNodes((ns) =>
      ns.map((n) => {
        const ps = (problemsByNode.get(n.id) ?? []).map((p) => p.text);
        return ps.join() === n.data.problems.join() ? n : { ...n, data: { ...n.data, problems: ps } };
      }),
    );
  }, [problemsByNode, setNodes]);
  const graphProblems = problems.filter((p) => !/^\/(nodes|edges)\/\d+/.test(p.jsonPointer));
  return { problems, problemsByNode, graphProblems };
}
