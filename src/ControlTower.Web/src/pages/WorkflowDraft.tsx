import { useState } from "react";
import { Background, Controls, ReactFlow, ReactFlowProvider, type Edge } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { nodeTypesApi, type NodeType } from "../api/nodeTypes";
import type { PlanDraft } from "../api/planner";
import { workflowsApi } from "../api/workflows";
import { DraftNotes } from "../describe";
import { nodeTypes, toFlow, type CtNode } from "../flow";
import { navigate } from "../router";
import { ErrorBox, Loading, Modal, useAsync, useSubmit } from "../ui";

/** The drafted graph, read-only, laid out as the planner placed it and marked as a draft. */
function DraftCanvas({ draft, types }: { draft: PlanDraft; types: Map<string, NodeType> }) {
  if (!draft.graph) return null;
  const flow = toFlow(draft.graph, types);
  const nodes = flow.nodes.map((n) => ({ ...n, draggable: false, selectable: false, data: { ...n.data, problems: [] } }));
  return (
    <div className="diff-canvas draft-canvas" data-testid="draft-canvas">
      <span className="draft-mark" aria-label="Draft">
        DRAFT
      </span>
      <ReactFlowProvider>
        <ReactFlow<CtNode, Edge>
          nodes={nodes}
          edges={flow.edges}
          nodeTypes={nodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          zoomOnScroll={false}
          preventScrolling={false}
          minZoom={0.2}
          fitView
          fitViewOptions={{ maxZoom: 1, minZoom: 0.2, padding: 0.15 }}
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

/** A new workflow drafted from words: the draft on a canvas with its notes, saved as a workflow only when asked. */
export default function DraftDialog({ draft, prompt, onClose }: { draft: PlanDraft; prompt: string; onClose: () => void }) {
  const types = useAsync(() => nodeTypesApi.list(), []);
  const [name, setName] = useState(() => prompt.split(/[.,;]/)[0].slice(0, 80));
  const { busy, error, submit } = useSubmit(async () => {
    if (!draft.graph) return;
    const created = await workflowsApi.create({
      name: name.trim(),
      description: prompt.slice(0, 500),
      graph: draft.graph,
      message: `Drafted by the ${draft.planner} planner`,
    });
    navigate(`/workflows/${created.workflow.id}`);
  });
  return (
    <Modal title={draft.graph ? "Draft workflow (not saved)" : "No draft"} onClose={onClose} wide>
      {draft.graph ? (
        <form onSubmit={submit}>
          <div className="draft-layout">
            {types.data ? <DraftCanvas draft={draft} types={new Map(types.data.map((t) => [t.type, t]))} /> : <Loading />}
            <DraftNotes draft={draft} />
          </div>
          {error != null && <ErrorBox error={error} />}
          <label className="field">
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} required data-testid="draft-name" />
          </label>
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <button type="button" className="btn" onClick={onClose} data-testid="draft-discard">
              Discard
            </button>
            <button type="submit" className="btn primary" disabled={busy || !name.trim()} data-testid="draft-save">
              Save as workflow
            </button>
          </div>
        </form>
      ) : (
        <>
          <p>The planner could not draft a valid workflow from this request:</p>
          <DraftNotes draft={draft} />
        </>
      )}
    </Modal>
  );
}
