import { useCallback, useEffect, useRef, type Dispatch, type RefObject, type SetStateAction } from "react";
import type { Edge, ReactFlowInstance } from "@xyflow/react";
import type { NodeType } from "../../api/nodeTypes";
import type { Graph } from "../../api/workflows";
import { toFlow, toGraph, type CtNode } from "../../flow";
import { copyNodes, parseClip, pasteNodes } from "./clipboard";
import { readableViewport } from "./fit";
import { arrange } from "./layout";
import { useUndo } from "./useUndo";

// The last copied nodes in this tab, for when the system clipboard cannot be read (no permission, no secure context).
let copiedHere: string | null = null;

interface CanvasState {
  nodes: CtNode[];
  edges: Edge[];
  baseGraph: Graph;
  graphJson: string;
  typeMap: Map<string, NodeType>;
  canWrite: boolean;
  setNodes: Dispatch<SetStateAction<CtNode[]>>;
  setEdges: Dispatch<SetStateAction<Edge[]>>;
  setBaseGraph: (g: Graph) => void;
  flow: ReactFlowInstance;
  wrapper: RefObject<HTMLDivElement | null>;
  say: (msg: string) => void;
}

/** The canvas operations behind the toolbar and the keyboard: undo/redo, copy/paste/duplicate, delete, arrange, fit. */
export function useCanvasCommands(s: CanvasState) {
  const { setNodes, setEdges, setBaseGraph, typeMap, flow, wrapper, say } = s;
  const current = useRef(s);
  current.current = s;

  const restore = useCallback(
    (json: string) => {
      const g = JSON.parse(json) as Graph;
      const next = toFlow(g, typeMap);
      setBaseGraph(g);
      setNodes(next.nodes);
      setEdges(next.edges);
    },
    [typeMap, setNodes, setEdges, setBaseGraph],
  );
  const history = useUndo(s.graphJson, restore);

  const fit = useCallback(() => {
    const box = wrapper.current?.getBoundingClientRect();
    const nodes = flow.getNodes();
    if (!box || nodes.length === 0) return;
    void flow.setViewport(readableViewport(flow.getNodesBounds(nodes), box), { duration: 150 });
  }, [flow, wrapper]);

  const selectedIds = () => new Set(current.current.nodes.filter((n) => n.selected).map((n) => n.id));

  const copy = useCallback(async () => {
    const { nodes, edges, baseGraph } = current.current;
    const ids = selectedIds();
    if (ids.size === 0) return;
    const graph = toGraph(baseGraph, nodes, edges);
    copiedHere = JSON.stringify(copyNodes(graph.nodes, graph.edges, ids));
    await navigator.clipboard?.writeText(copiedHere).catch(() => undefined);
    say(`Copied ${ids.size} node${ids.size === 1 ? "" : "s"}`);
  }, [say]);

  const insert = useCallback(
    (text: string | null, offset = { x: 40, y: 40 }) => {
      const clip = text ? parseClip(text) : null;
      if (!clip || !current.current.canWrite) return false;
      const pasted = pasteNodes(
        clip,
        current.current.nodes.map((n) => n.id),
        offset,
      );
      const flowed = toFlow({ version: "1.0", nodes: pasted.nodes, edges: pasted.edges }, typeMap);
      setNodes((ns) => [
        ...ns.map((n) => (n.selected ? { ...n, selected: false } : n)),
        ...flowed.nodes.map((n) => ({ ...n, selected: true })),
      ]);
      setEdges((es) => [...es, ...flowed.edges]);
      say(`Pasted ${pasted.nodes.length} node${pasted.nodes.length === 1 ? "" : "s"}`);
      return true;
    },
    [typeMap, setNodes, setEdges, say],
  );

  const paste = useCallback(async () => {
    const text = await navigator.clipboard?.readText().catch(() => null);
    if (!insert(text ?? null)) insert(copiedHere);
  }, [insert]);

  const duplicate = useCallback(() => {
    const { nodes, edges, baseGraph } = current.current;
    const ids = selectedIds();
    if (ids.size === 0) return;
    const graph = toGraph(baseGraph, nodes, edges);
    insert(JSON.stringify(copyNodes(graph.nodes, graph.edges, ids)));
  }, [insert]);

  const removeSelected = useCallback(() => {
    const ids = selectedIds();
    if (ids.size === 0 || !current.current.canWrite) return;
    setNodes((ns) => ns.filter((n) => !ids.has(n.id)));
    setEdges((es) => es.filter((e) => !ids.has(e.source) && !ids.has(e.target)));
  }, [setNodes, setEdges]);

  const autoArrange = useCallback(() => {
    const { nodes, edges } = current.current;
    const positions = arrange(
      nodes.map((n) => n.id),
      edges,
    );
    setNodes((ns) => ns.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })));
    requestAnimationFrame(() => requestAnimationFrame(fit));
  }, [setNodes, fit]);

  return { ...history, restore, fit, copy, paste, duplicate, removeSelected, autoArrange };
}

export type CanvasCommands = ReturnType<typeof useCanvasCommands>;

/** Keyboard shortcuts over the canvas; none fires while typing in a field (there the browser's own undo and copy apply). */
export function useCanvasShortcuts(commands: CanvasCommands, canWrite: boolean, onHelp: () => void) {
  const latest = useRef({ commands, onHelp });
  latest.current = { commands, onHelp };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { commands: c, onHelp } = latest.current;
      const t = e.target as HTMLElement | null;
      if (t?.closest("input, textarea, select, [contenteditable='true'], .modal")) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      const run = (f: () => unknown) => {
        e.preventDefault();
        void f();
      };
      if (e.key === "?") run(onHelp);
      else if (!mod && key === "f") run(c.fit);
      else if (!canWrite) return;
      else if (mod && key === "z" && e.shiftKey) run(c.redo);
      else if (mod && (key === "z" || key === "y")) run(key === "y" ? c.redo : c.undo);
      else if (mod && key === "c") run(c.copy);
      else if (mod && key === "v") run(c.paste);
      else if (mod && key === "d") run(c.duplicate);
      else if (e.shiftKey && key === "a" && !mod) run(c.autoArrange);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canWrite]);
}
