import { Handle, Position, type Edge, type Node, type NodeProps } from "@xyflow/react";
import type { NodeType } from "./api/nodeTypes";
import type { Graph, GraphEdge, GraphNode } from "./api/workflows";

// Shared by the editor and the run view: the node card, and graph JSON <-> xyflow conversion.

export interface CtNodeData extends Record<string, unknown> {
  graphNode: GraphNode;
  nodeType: NodeType | undefined;
  problems: string[];
  status?: string;
  attempt?: number;
  /** The editor's pinned test data for this node (used only by manual test runs). */
  pinned?: boolean;
  /** A one-line summary of this node's output in the workflow's last run (the editor, after a test run). */
  preview?: string;
}
export type CtNode = Node<CtNodeData, "ct">;

/** The outcomes a node of this type with this config may take (without `error`). */
export function outcomesOf(type: NodeType | undefined, config: Record<string, unknown>): string[] {
  if (!type) return ["success"];
  const dyn = type.dynamicOutputs as { arrayProperty: string; nameProperty: string; fixed: string[] } | undefined;
  if (!dyn) return type.outputHandles;
  const names: string[] = [];
  const items = config[dyn.arrayProperty];
  if (Array.isArray(items)) {
    for (const item of items) {
      const name = item && typeof item === "object" ? (item as Record<string, unknown>)[dyn.nameProperty] : undefined;
      if (typeof name === "string" && name && !names.includes(name)) names.push(name);
    }
  }
  for (const f of dyn.fixed) if (!names.includes(f)) names.push(f);
  return names;
}

export function outputsOf(type: NodeType | undefined, config: Record<string, unknown>): string[] {
  return [...outcomesOf(type, config), type?.errorHandle ?? "error"];
}

export function CtNodeView({ data, selected }: NodeProps<CtNode>) {
  const { graphNode, nodeType, problems, status, attempt, pinned, preview } = data;
  const inputs = nodeType?.inputHandles ?? ["in"];
  const outputs = outputsOf(nodeType, graphNode.config ?? {});
  const classes = ["ct-node", selected ? "selected" : "", problems.length ? "has-problem" : "", status ? `st-${status}` : ""].join(" ");
  const config = graphNode.config ?? {};
  // An MCP tool node says which tool it calls: "MCP tool" alone does not tell two of them apart.
  const kind =
    graphNode.type === "mcp.tool" && typeof config.server === "string" && typeof config.tool === "string"
      ? `MCP · ${config.server}/${config.tool}`
      : (nodeType?.displayName ?? graphNode.type);
  return (
    <div className={classes} data-testid={`node-${graphNode.id}`} data-status={status ?? ""} title={problems.join("\n") || undefined}>
      {problems.length > 0 && (
        <span className="problem-pin" aria-label={`${problems.length} problem(s)`}>
          {problems.length}
        </span>
      )}
      <div className="head">
        <span className="dot" aria-hidden />
        <span className="kind">{kind}</span>
        {attempt !== undefined && attempt > 1 && <span className="kind">· try {attempt}</span>}
        {pinned && (
          <span className="pin-tag" title="Pinned output: manual test runs use it instead of running the node">
            pinned
          </span>
        )}
      </div>
      <div className="title">{graphNode.name || graphNode.id}</div>
      {preview !== undefined && (
        <div className="node-preview mono" data-testid={`preview-${graphNode.id}`} title={`Output in the last run: ${preview}`}>
          {preview}
        </div>
      )}
      {inputs.map((h, i) => (
        <Handle key={h} id={h} type="target" position={Position.Left} style={{ top: `${((i + 1) * 100) / (inputs.length + 1)}%` }} />
      ))}
      <div className="outs">
        {outputs.map((h) => (
          <div key={h} className="out-row">
            <span>{h}</span>
            <Handle id={h} type="source" position={Position.Right} className={h === "error" ? "error-handle" : undefined} />
          </div>
        ))}
      </div>
    </div>
  );
}

export const nodeTypes = { ct: CtNodeView };

export function toFlow(graph: Graph, types: Map<string, NodeType>): { nodes: CtNode[]; edges: Edge[] } {
  const nodes: CtNode[] = graph.nodes.map((n, i) => ({
    id: n.id,
    type: "ct",
    position: n.position ?? { x: 80 + (i % 4) * 240, y: 80 + Math.floor(i / 4) * 160 },
    data: { graphNode: { ...n, config: n.config ?? {} }, nodeType: types.get(n.type), problems: [] },
  }));
  return { nodes, edges: graph.edges.map(toFlowEdge) };
}

export function toFlowEdge(e: GraphEdge): Edge {
  const handle = e.sourceHandle ?? "success";
  return {
    id: `${e.source}:${handle}->${e.target}:${e.targetHandle ?? "in"}`,
    source: e.source,
    target: e.target,
    sourceHandle: handle,
    targetHandle: e.targetHandle ?? "in",
    label: handle === "success" ? undefined : handle,
    className: handle === "error" ? "edge-error" : undefined,
    style: handle === "error" ? { stroke: "var(--bad)", strokeDasharray: "5 4" } : undefined,
  };
}

export function toGraph(base: Graph, nodes: CtNode[], edges: Edge[]): Graph {
  return {
    ...base,
    version: base.version ?? "1.0",
    nodes: nodes.map((n) => ({ ...n.data.graphNode, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } })),
    edges: edges.map((e) => ({
      source: e.source,
      target: e.target,
      sourceHandle: e.sourceHandle ?? "success",
      targetHandle: e.targetHandle ?? "in",
    })),
  };
}
