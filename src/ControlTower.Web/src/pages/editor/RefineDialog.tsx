import { useState } from "react";
import type { NodeType } from "../../api/nodeTypes";
import type { PlanDraft } from "../../api/planner";
import type { Graph } from "../../api/workflows";
import { Modal } from "../../ui";
import { VersionDiffCanvas } from "../../versionDiff";
import { DescribeBox, DraftNotes } from "../../describe";

/**
 * A change in words to the saved version: the planner's draft shown as the version history's visual diff against that
 * version, to accept (onto the canvas, as an unsaved draft) or discard.
 */
export function RefineDialog({
  workflowId,
  version,
  saved,
  dirty,
  types,
  onClose,
  onAccept,
}: {
  workflowId: string;
  version: number;
  saved: Graph;
  dirty: boolean;
  types: Map<string, NodeType>;
  onClose: () => void;
  onAccept: (d: PlanDraft, prompt: string) => void;
}) {
  const [proposal, setProposal] = useState<{ draft: PlanDraft; prompt: string } | null>(null);
  const draft = proposal?.draft;
  return (
    <Modal title={draft?.graph ? `Proposed change to v${version} (draft)` : "Describe a change"} onClose={onClose} wide>
      {dirty && (
        <div className="notice">
          The change is drafted from the saved version v{version}; accepting it replaces the unsaved edits on the canvas.
        </div>
      )}
      <DescribeBox
        workflowId={workflowId}
        baseVersion={version}
        placeholder="e.g. add a 2-hour wait before the reply"
        onDraft={(d, prompt) => setProposal({ draft: d, prompt })}
      />
      {draft && (
        <div data-testid="refine-proposal">
          {draft.graph && <VersionDiffCanvas from={saved} to={draft.graph} changes={draft.changes ?? []} types={types} />}
          <DraftNotes draft={draft} />
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <button className="btn" onClick={onClose} data-testid="refine-discard">
              Discard
            </button>
            <button
              className="btn primary"
              disabled={!draft.graph}
              onClick={() => onAccept(draft, proposal.prompt)}
              data-testid="refine-accept"
            >
              Accept onto the canvas
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
