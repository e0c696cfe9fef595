import { useEffect, type Dispatch, type SetStateAction } from "react";
import type { CtNode } from "../../flow";
import type { Pins } from "./pins";
import { previewOf } from "./preview";
import type { RunData } from "./suggest";

/** Marks pinned nodes and shows each node's output preview from the latest run, touching only nodes that change. */
export function useNodeBadges(nodes: CtNode[], pins: Pins, last: RunData | null, setNodes: Dispatch<SetStateAction<CtNode[]>>) {
  const nodeIds = nodes.map((n) => n.id).join();
  useEffect(() => {
    setNodes((ns) => ns.map((n) => (n.id in pins === !!n.data.pinned ? n : { ...n, data: { ...n.data, pinned: n.id in pins } })));
  }, [pins, nodeIds, setNodes]);
  useEffect(() => {
    setNodes((ns) =>
      ns.map((n) => {
        const preview = last && n.id in last.outputs ? previewOf(last.outputs[n.id]) : undefined;
        return preview === n.data.preview ? n : { ...n, data: { ...n.data, preview } };
      }),
    );
  }, [last, nodeIds, setNodes]);
}
