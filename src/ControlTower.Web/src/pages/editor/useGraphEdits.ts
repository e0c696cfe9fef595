import { useCallback, type Dispatch, type DragEvent, type RefObject, type SetStateAction } from "react";
import { addEdge, type Connection, type Edge, type IsValidConnection, type ReactFlowInstance } from "@xyflow/react";
import type { NodeType } from "../../api/nodeTypes";
import { outputsOf, toFlowEdge, type CtNode } from "../../flow";
import { dragMime, newNodeId, type PaletteEntry, type PaletteGroup } from "./palette";

interface EditState {
  nodes: CtNode[];
  edges: Edge[];
  typeMap: Map<string, NodeType>;
  palette: PaletteGroup[];
  selected: string | null;
  setSelected: (id: string | null) => void;
  setNodes: Dispatch<SetStateAction<CtNode[]>>;
  setEdges: Dispatch<SetStateAction<Edge[]>>;
  flow: ReactFlowInstance;
  wrapper: RefObject<HTMLDivElement | null>;
}

/** The graph edits made on the canvas and in the inspector: add (drop or centre), connect, change and delete a node. */
export function useGraphEdits({ nodes, edges, typeMap, palette, selected, setSelected, setNodes, setEdges, flow, wrapper }: EditState) {
  const addNode = useCallback(
    (entry: PaletteEntry, position: { x: number; y: number }) => {
      setNodes((ns) => {
        const nodeId = newNodeId(entry, (id) => ns.some((x) => x.id === id));
        const node: CtNode = {
          id: nodeId,
          type: "ct",
          position,
          data: {
            graphNode: { id: nodeId, type: entry.type, config: structuredClone(entry.config), position },
            nodeType: typeMap.get(entry.type),
            problems: [],
          },
        };
        setSelected(nodeId);
        return [...ns.map((x) => ({ ...x, selected: false })), { ...node, selected: true }];
      });
    },
    [setNodes, setSelected, typeMap],
  );

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const key = e.dataTransfer.getData(dragMime);
    const entry = palette.flatMap((g) => g.entries).find((x) => x.key === key);
    if (!entry) return;
    addNode(entry, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  };

  const addAtCenter = (entry: PaletteEntry) => {
    const box = wrapper.current?.getBoundingClientRect();
    const p = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 200, y: 200 };
    addNode(entry, { x: p.x - 75 + Math.random() * 40, y: p.y - 30 + Math.random() * 40 });
  };

  // Only declared handles connect: the source's outcomes (or error) into the target's input handles.
  const isValidConnection: IsValidConnection = useCallback(
    (c) => {
      if (!c.source || !c.target || c.source === c.target) return false;
      const src = nodes.find((n) => n.id === c.source);
      const dst = nodes.find((n) => n.id === c.target);
      if (!src || !dst) return false;
      const outs = outputsOf(src.data.nodeType, src.data.graphNode.config);
      const ins = dst.data.nodeType?.inputHandles ?? [];
      return (
        outs.includes(c.sourceHandle ?? "") &&
        ins.includes(c.targetHandle ?? "") &&
        !edges.some(
          (e) => e.source === c.source && e.target === c.target && e.sourceHandle === c.sourceHandle && e.targetHandle === c.targetHandle,
        )
      );
    },
    [nodes, edges],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const e = toFlowEdge({
        source: c.source,
        target: c.target,
        sourceHandle: c.sourceHandle ?? "success",
        targetHandle: c.targetHandle ?? "in",
      });
      setEdges((es) => addEdge(e, es));
    },
    [setEdges],
  );

  const selectedNode = nodes.find((n) => n.id === selected) ?? null;
  const updateSelected = (patch: Partial<CtNode["data"]["graphNode"]>) => {
    if (!selectedNode) return;
    setNodes((ns) =>
      ns.map((n) => (n.id === selectedNode.id ? { ...n, data: { ...n.data, graphNode: { ...n.data.graphNode, ...patch } } } : n)),
    );
  };
  const deleteSelected = () => {
    if (!selectedNode) return;
    setNodes((ns) => ns.filter((n) => n.id !== selectedNode.id));
    setEdges((es) => es.filter((e) => e.source !== selectedNode.id && e.target !== selectedNode.id));
    setSelected(null);
  };

  return { addAtCenter, onDrop, isValidConnection, onConnect, selectedNode, updateSelected, deleteSelected };
}
