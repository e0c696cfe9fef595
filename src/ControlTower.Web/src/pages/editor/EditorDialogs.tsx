import type { NodeType } from "../../api/nodeTypes";
import type { PlanDraft } from "../../api/planner";
import type { Graph, WorkflowDetail, WorkflowSummary } from "../../api/workflows";
import { ReleasesPanel } from "../releases/ReleasesPanel";
import { ShortcutsDialog } from "./CanvasTools";
import { RefineDialog } from "./RefineDialog";
import { RunDialog } from "./RunDialog";
import { SaveDialog } from "./SaveDialog";
import { ShareDialog } from "./ShareDialog";
import { HistoryDialog } from "./VersionHistory";
import type { EditorDialog } from "./EditorBar";
import type { Pins } from "./pins";

/** The one dialog the editor has open, if any. */
export function EditorDialogs({
  dialog,
  onClose,
  workflow,
  version,
  graph,
  savedGraph,
  dirty,
  problemCount,
  types,
  pins,
  canWrite,
  onSaved,
  onAcceptDraft,
}: {
  dialog: EditorDialog | null;
  onClose: () => void;
  workflow: WorkflowSummary;
  version: number;
  graph: Graph;
  savedGraph: Graph;
  dirty: boolean;
  problemCount: number;
  types: Map<string, NodeType>;
  pins: Pins;
  canWrite: boolean;
  onSaved: (d: WorkflowDetail) => void;
  onAcceptDraft: (draft: PlanDraft, prompt: string) => void;
}) {
  switch (dialog) {
    case "save":
      return (
        <SaveDialog
          workflowId={workflow.id}
          graph={graph}
          baseVersion={workflow.latestVersion}
          problems={problemCount}
          onClose={onClose}
          onSaved={onSaved}
        />
      );
    case "history":
      return <HistoryDialog workflowId={workflow.id} latest={workflow.latestVersion} types={types} onClose={onClose} />;
    case "describe":
      return (
        <RefineDialog
          workflowId={workflow.id}
          version={version}
          saved={savedGraph}
          dirty={dirty}
          types={types}
          onClose={onClose}
          onAccept={onAcceptDraft}
        />
      );
    case "run":
      return <RunDialog workflow={workflow} dirty={dirty} pins={pins} onClose={onClose} />;
    case "share":
      return <ShareDialog workflowId={workflow.id} onClose={onClose} />;
    case "releases":
      return <ReleasesPanel workflowId={workflow.id} canWrite={canWrite} onClose={onClose} />;
    case "shortcuts":
      return <ShortcutsDialog onClose={onClose} />;
    default:
      return null;
  }
}
