import { useState, type FormEvent } from "react";
import { Background, Controls, ReactFlow, ReactFlowProvider, type Edge } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { api, type NodeType, type PlanDraft } from "./api";
import { nodeTypes, toFlow, type CtNode } from "./flow";
import { ErrorBox } from "./ui";

// "Describe it": a workflow (or a change to one) in plain language, drafted by the server's planner.

/** The request box: asks the planner for a draft; a refinement names the workflow and the version it refines. */
export function DescribeBox({ workflowId, baseVersion, placeholder, onDraft }: {
  workflowId?: string; baseVersion?: number; placeholder: string; onDraft: (draft: PlanDraft, prompt: string) => void;
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
      onDraft(await api.post<PlanDraft>("/api/planner/drafts", { prompt, workflowId, baseVersion }), prompt.trim());
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
        <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={3} placeholder={placeholder} data-testid="describe-input" />
      </label>
      {error != null && <ErrorBox error={error} />}
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="submit" className="btn primary" disabled={busy || !prompt.trim()} data-testid="describe-submit">{busy ? "Drafting…" : "Draft it"}</button>
      </div>
    </form>
  );
}

/** Which planner answered, why each node is there, what it assumed, and what it could not resolve. */
export function DraftNotes({ draft }: { draft: PlanDraft }) {
  return (
    <div className="draft-notes" data-testid="draft-notes">
      <p className="small muted">Drafted by the {draft.planner} planner{draft.model ? ` (${draft.model})` : ""}.</p>
      {draft.problems.length > 0 && (
        <ul className="problems" aria-label="Draft problems" data-testid="draft-problems">
          {draft.problems.map((p, i) => <li key={i}><code>{p.code}</code> {p.message}</li>)}
        </ul>
      )}
      {draft.explanation.length > 0 && (
        <>
          <h4 className="inspector-section">Why each node</h4>
          <ul className="small" data-testid="draft-explanation">
            {draft.explanation.map((e) => <li key={e.nodeId}><code>{e.nodeId}</code> {e.text}</li>)}
          </ul>
        </>
      )}
      {draft.assumptions.length > 0 && (
        <>
          <h4 className="inspector-section">Assumptions</h4>
          <ul className="small" data-testid="draft-assumptions">
            {draft.assumptions.map((a, i) => <li key={i}>{a}</li>)}
          </ul>
        </>
      )}
    </div>
  );
}

/** The drafted graph, read-only, laid out as the planner placed it and marked as a draft. */
export function DraftCanvas({ draft, types }: { draft: PlanDraft; types: Map<string, NodeType> }) {
  if (!draft.graph) return null;
  const flow = toFlow(draft.graph, types);
  const nodes = flow.nodes.map((n) => ({ ...n, draggable: false, selectable: false, data: { ...n.data, problems: [] } }));
  return (
    <div className="diff-canvas draft-canvas" data-testid="draft-canvas">
      <span className="draft-mark" aria-label="Draft">DRAFT</span>
      <ReactFlowProvider>
        <ReactFlow<CtNode, Edge>
          nodes={nodes} edges={flow.edges} nodeTypes={nodeTypes}
          nodesDraggable={false} nodesConnectable={false} elementsSelectable={false}
          zoomOnScroll={false} preventScrolling={false}
          minZoom={0.2} fitView fitViewOptions={{ maxZoom: 1, minZoom: 0.2, padding: 0.15 }}
          colorMode={document.documentElement.dataset.theme === "dark" ? "dark" : "light"}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={20} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
