import type { ReactNode } from "react";
import type { McpTool } from "../../api/mcp";
import type { CtNode } from "../../flow";
import { ErrorBox } from "../../ui";
import { SelectionActions } from "./CanvasTools";
import { NodeInspector } from "./NodeInspector";
import type { CanvasCommands } from "./useCanvasCommands";
import type { NodeProblem } from "./useValidation";

/** The right-hand panel: the selection's actions (several nodes), one node's settings, or the workflow's overview. */
export function InspectorPanel({
  error,
  selectedCount,
  commands,
  node,
  tools,
  problemsByNode,
  onChange,
  onDelete,
  canWrite,
  testData,
  overview,
}: {
  error: unknown;
  selectedCount: number;
  commands: CanvasCommands;
  node: CtNode | null;
  tools: McpTool[] | null;
  problemsByNode: Map<string, NodeProblem[]>;
  onChange: (p: Partial<CtNode["data"]["graphNode"]>) => void;
  onDelete: () => void;
  canWrite: boolean;
  testData: (nodeId: string) => ReactNode;
  overview: ReactNode;
}) {
  return (
    <aside className="inspector" aria-label="Inspector">
      {error != null && <ErrorBox error={error} />}
      {selectedCount > 1 ? (
        <SelectionActions count={selectedCount} c={commands} canWrite={canWrite} />
      ) : node ? (
        <NodeInspector
          node={node}
          tools={tools}
          problems={problemsByNode.get(node.id) ?? []}
          onChange={onChange}
          onDelete={onDelete}
          onDuplicate={commands.duplicate}
          readOnly={!canWrite}
          testData={testData(node.id)}
        />
      ) : (
        overview
      )}
    </aside>
  );
}
