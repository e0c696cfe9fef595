import type { GraphEdge, GraphNode } from "../../api/workflows";

// Copy and paste of nodes with the edges between them, as JSON text (so it also travels between workflows and tabs).

export const clipboardKind = "controltower.nodes/v1";
export interface NodeClip {
  kind: typeof clipboardKind;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The selected nodes and only the edges with both ends among them. */
export function copyNodes(nodes: GraphNode[], edges: GraphEdge[], selected: Set<string>): NodeClip {
  return {
    kind: clipboardKind,
    nodes: nodes.filter((n) => selected.has(n.id)).map((n) => structuredClone(n)),
    edges: edges.filter((e) => selected.has(e.source) && selected.has(e.target)).map((e) => ({ ...e })),
  };
}

/** Reads clipboard text; null when it is not a node clip. */
export function parseClip(text: string): NodeClip | null {
  try {
    const value = JSON.parse(text) as Partial<NodeClip>;
    if (value?.kind !== clipboardKind || !Array.isArray(value.nodes) || !Array.isArray(value.edges)) return null;
    if (!value.nodes.every((n) => n && typeof n.id === "string" && typeof n.type === "string")) return null;
    return value as NodeClip;
  } catch {
    return null;
  }
}

/** The clip's nodes under ids not yet taken (`name_copy`, `name_copy_2`…), moved by `offset`, with their edges renamed. */
export function pasteNodes(
  clip: NodeClip,
  taken: Iterable<string>,
  offset: { x: number; y: number },
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const used = new Set(taken);
  const renamed = new Map<string, string>();
  for (const n of clip.nodes) {
    const stem = `${n.id.replace(/_copy(_\d+)?$/, "")}_copy`.slice(0, 58);
    let id = stem;
    for (let i = 2; used.has(id); i++) id = `${stem}_${i}`;
    used.add(id);
    renamed.set(n.id, id);
  }
  const nodes = clip.nodes.map((n) => {
    const p = n.position ?? { x: 0, y: 0 };
    return { ...structuredClone(n), id: renamed.get(n.id)!, position: { x: p.x + offset.x, y: p.y + offset.y } };
  });
  const edges = clip.edges
    .filter((e) => renamed.has(e.source) && renamed.has(e.target))
    .map((e) => ({ ...e, source: renamed.get(e.source)!, target: renamed.get(e.target)! }));
  return { nodes, edges };
}
