import { useState } from "react";
import { workflowsApi, type WorkflowDetail, type Graph } from "../../api/workflows";
import { ErrorBox, Modal, useSubmit } from "../../ui";

export function SaveDialog({
  workflowId,
  graph,
  baseVersion,
  problems,
  onClose,
  onSaved,
}: {
  workflowId: string;
  graph: Graph;
  baseVersion: number;
  problems: number;
  onClose: () => void;
  onSaved: (d: WorkflowDetail) => void;
}) {
  const [message, setMessage] = useState("");
  const { busy, error, submit } = useSubmit(async () =>
    onSaved(await workflowsApi.saveVersion(workflowId, { graph, message: message.trim() || null, baseVersion })),
  );
  return (
    <Modal title="Save a new version" onClose={onClose}>
      <form onSubmit={submit}>
        {problems > 0 && (
          <div className="notice">The workflow has {problems} validation problem(s); the server refuses an invalid graph.</div>
        )}
        {error != null && <ErrorBox error={error} />}
        <label className="field">
          What changed?
          <input
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            placeholder="e.g. Notify on failure"
            data-testid="save-message"
          />
        </label>
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="save-confirm">
            Save as v{baseVersion + 1}
          </button>
        </div>
      </form>
    </Modal>
  );
}
