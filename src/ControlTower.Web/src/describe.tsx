import { useState, type FormEvent } from "react";
import { plannerApi, type PlanDraft } from "./api/planner";
import { ErrorBox } from "./ui";

// "Describe it": a workflow (or a change to one) in plain language, drafted by the server's planner.

/** The request box: asks the planner for a draft; a refinement names the workflow and the version it refines. */
export function DescribeBox({
  workflowId,
  baseVersion,
  placeholder,
  onDraft,
}: {
  workflowId?: string;
  baseVersion?: number;
  placeholder: string;
  onDraft: (draft: PlanDraft, prompt: string) => void;
}) {
  const [prompt, setPrompt] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Not useSubmit: the box stays on the page after a draft, ready for the next request.
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDraft(await plannerApi.draft({ prompt, workflowId, baseVersion }), prompt.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="describe" onSubmit={submit} data-testid="describe-box">
      <label className="field">
        Describe it <span className="hint">in plain language; the planner drafts the graph, nothing is saved until you save it</span>
        <textarea
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          rows={3}
          placeholder={placeholder}
          data-testid="describe-input"
        />
      </label>
      {error != null && <ErrorBox error={error} />}
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="submit" className="btn primary" disabled={busy || !prompt.trim()} data-testid="describe-submit">
          {busy ? "Drafting…" : "Draft it"}
        </button>
      </div>
    </form>
  );
}

/** Which planner answered, why each node is there, what it assumed, and what it could not resolve. */
export function DraftNotes({ draft }: { draft: PlanDraft }) {
  return (
    <div className="draft-notes" data-testid="draft-notes">
      <p className="small muted">
        Drafted by the {draft.planner} planner{draft.model ? ` (${draft.model})` : ""}.
      </p>
      {draft.problems.length > 0 && (
        <ul className="problems" aria-label="Draft problems" data-testid="draft-problems">
          {draft.problems.map((p, i) => (
            <li key={i}>
              <code>{p.code}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      {draft.explanation.length > 0 && (
        <>
          <h4 className="inspector-section">Why each node</h4>
          <ul className="small" data-testid="draft-explanation">
            {draft.explanation.map((e) => (
              <li key={e.nodeId}>
                <code>{e.nodeId}</code> {e.text}
              </li>
            ))}
          </ul>
        </>
      )}
      {draft.assumptions.length > 0 && (
        <>
          <h4 className="inspector-section">Assumptions</h4>
          <ul className="small" data-testid="draft-assumptions">
            {draft.assumptions.map((a, i) => (
              <li key={i}>{a}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
