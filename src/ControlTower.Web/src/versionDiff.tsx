import { Background, Controls, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps } from "@xyflow/react";
import type { NodeType } from "./api/nodeTypes";
import type { Graph, GraphChange } from "./api/workflows";
import { CtNodeView, toFlow, type CtNode, type CtNodeData } from "./flow";

// The version history's visual diff: the "to" graph with every node and edge coloured by what changed,
// and what was removed drawn as a ghost where the "from" version had it.

export type Change = "added" | "removed" | "changed" | "moved" | "unchanged";

interface DiffNodeData extends CtNodeData {
  change: Change;
}
type DiffNode = Node<DiffNodeData, "diff">;

const legend: { change: Change; label: string }[] = [
  { change: "added", label: "added" },
  { change: "changed", label: "changed" },
  { change: "moved", label: "moved only" },
  { change: "removed", label: "removed" },
  { change: "unchanged", label: "unchanged" },
];

/**
 * What happened to each node and edge, from the server's diff. A node whose only differences are under
 * /position was moved, not changed: dragging a node around should not paint it as an edit.
 */
export function classifyChanges(changes: GraphChange[]): { nodes: Map<string, Change>; edges: Map<string, Change> } {
  const nodes = new Map<string, Change>();
  const edges = new Map<string, Change>();
  for (const c of changes) {
    if (c.kind === "node_added") nodes.set(c.subject, "added");
    else if (c.kind === "node_removed") nodes.set(c.subject, "removed");
    else if (c.kind === "node_changed") {
      const moved = c.pointer === "/position" || c.pointer.startsWith("/position/");
      if (!moved) nodes.set(c.subject, "changed");
      else if (!nodes.has(c.subject)) nodes.set(c.subject, "moved");
    } else if (c.kind === "edge_added") edges.set(c.subject, "added");
    else if (c.kind === "edge_removed") edges.set(c.subject, "removed");
  }
  return { nodes, edges };
}

const edgeStroke: Record<Change, string | undefined> = {
  added: "var(--ok)",
  removed: "var(--bad)",
  changed: undefined,
  moved: undefined,
  unchanged: undefined,
};

function diffEdge(edge: Edge, change: Change): Edge {
  return {
    ...edge,
    className: `diff-edge diff-edge-${change}`,
    style: {
      ...edge.style,
      ...(edgeStroke[change] ? { stroke: edgeStroke[change], strokeWidth: 2 } : {}),
      ...(change === "removed" ? { strokeDasharray: "6 4" } : {}),
    },
    selectable: false,
  };
}

/** The "to" graph plus ghosts of the removed nodes and edges (at their "from" positions), each tagged with its change. */
export function diffFlow(
  from: Graph,
  to: Graph,
  changes: GraphChange[],
  types: Map<string, NodeType>,
): { nodes: DiffNode[]; edges: Edge[] } {
  const classes = classifyChanges(changes);
  const before = toFlow(from, types);
  const after = toFlow(to, types);
  const tag = (n: CtNode, change: Change): DiffNode => ({
    ...n,
    type: "diff",
    draggable: false,
    selectable: false,
    connectable: false,
    data: { ...n.data, change },
  });
  const nodes = [
    ...after.nodes.map((n) => tag(n, classes.nodes.get(n.id) ?? "unchanged")),
    ...before.nodes.filter((n) => classes.nodes.get(n.id) === "removed").map((n) => tag(n, "removed")),
  ];
  const edges = [
    ...after.edges.map((e) => diffEdge(e, classes.edges.get(e.id) ?? "unchanged")),
    ...before.edges.filter((e) => classes.edges.get(e.id) === "removed").map((e) => diffEdge(e, "removed")),
  ];
  return { nodes, edges };
}

function DiffNodeView(props: NodeProps<DiffNode>) {
  const change = props.data.change;
  return (
    <div
      className={`diff-node diff-${change}`}
      data-testid={`diff-node-${props.id}`}
      data-change={change}
      aria-label={`${props.id}: ${change}`}
    >
      <CtNodeView {...(props as unknown as NodeProps<CtNode>)} selected={false} />
    </div>
  );
}

const diffNodeTypes = { diff: DiffNodeView };

/** A small read-only canvas of the "to" version coloured by change, with its legend. */
export function VersionDiffCanvas({
  from,
  to,
  changes,
  types,
}: {
  from: Graph;
  to: Graph;
  changes: GraphChange[];
  types: Map<string, NodeType>;
}) {
  const { nodes, edges } = diffFlow(from, to, changes, types);
  const counts = new Map<Change, number>();
  for (const n of nodes) counts.set(n.data.change, (counts.get(n.data.change) ?? 0) + 1);
  const edgeChanges = edges.filter((e) => !e.className?.endsWith("unchanged")).length;
  return (
    <div className="diff-visual">
      <ul className="diff-legend" aria-label="Legend" data-testid="diff-legend">
        {legend.map((l) => (
          <li key={l.change}>
            <span className={`diff-swatch diff-${l.change}`} aria-hidden /> {l.label}{" "}
            <span className="muted">{counts.get(l.change) ?? 0}</span>
          </li>
        ))}
        <li className="muted">
          {edgeChanges} edge change{edgeChanges === 1 ? "" : "s"}
        </li>
      </ul>
      <div className="diff-canvas" data-testid="diff-canvas">
        <ReactFlowProvider>
          <ReactFlow<DiffNode, Edge>
            nodes={nodes}
            edges={edges}
            nodeTypes={diffNodeTypes}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            edgesFocusable={false}
            nodesFocusable={false}
            zoomOnScroll={false}
            preventScrolling={false}
            minZoom={0.2}
            fitView
            fitViewOptions={{ maxZoom: 1, minZoom: 0.2, padding: 0.15 }}
            colorMode={document.documentElement.dataset.theme === "dark" ? "dark" : "light"}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={20} />
            <Controls showInteractive={false} />
          </ReactFlow>
        </ReactFlowProvider>
      </div>
    </div>
  );
}
