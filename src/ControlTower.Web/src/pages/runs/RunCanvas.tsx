import { useEffect, useMemo } from "react";
import { Background, Controls, ReactFlow, useNodesState, type Edge } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { NodeType } from "../../api/nodeTypes";
import type { WorkflowDetail } from "../../api/workflows";
import { nodeTypes, toFlow, type CtNode } from "../../flow";
import type { NodeLive } from "./nodeLive";

export function RunCanvas({
  detail,
  types,
  live,
  onSelect,
}: {
  detail: WorkflowDetail;
  types: NodeType[];
  live: Record<string, NodeLive>;
  onSelect: (id: string) => void;
}) {
  const base = useMemo(() => toFlow(detail.graph, new Map(types.map((t) => [t.type, t]))), [detail, types]);
  // Nodes live in xyflow's state so their measured sizes survive status updates (a node without them is hidden).
  const [nodes, setNodes, onNodesChange] = useNodesState<CtNode>(base.nodes.map((n) => ({ ...n, draggable: false, connectable: false })));
  useEffect(() => {
    setNodes((ns) =>
      ns.map((n) => {
        const l = live[n.id];
        return n.data.status === l?.status && n.data.attempt === l?.attempt
          ? n
          : { ...n, data: { ...n.data, status: l?.status, attempt: l?.attempt } };
      }),
    );
  }, [live, setNodes]);
  const edges: Edge[] = base.edges.map((e) => {
    const src = live[e.source];
    const taken =
      src &&
      (src.status === "succeeded" || src.status === "failed") &&
      (src.outcome ?? (src.status === "failed" ? "error" : "success")) === e.sourceHandle;
    return {
      ...e,
      animated: !!taken && live[e.target]?.status === "running",
      style: { ...e.style, ...(taken ? { stroke: "var(--ok)", strokeWidth: 2 } : {}) },
    };
  });
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      // A whole refill or order workflow is wider than the canvas beside the inspector: fit it all, below xyflow's default 0.5 zoom floor.
      minZoom={0.2}
      fitView
      fitViewOptions={{ maxZoom: 1.1, minZoom: 0.2, padding: 0.1 }}
      nodesDraggable={false}
      nodesConnectable={false}
      onNodeClick={(_, n) => onSelect(n.id)}
      proOptions={{ hideAttribution: true }}
      colorMode={document.documentElement.dataset.theme === "dark" ? "dark" : "light"}
    >
      <Background gap={20} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
