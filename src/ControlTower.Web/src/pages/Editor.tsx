import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Background, Controls, ReactFlow, ReactFlowProvider, useEdgesState, useNodesState, useReactFlow, type Edge } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { nodeTypesApi, type NodeType } from "../api/nodeTypes";
import type { PlanDraft } from "../api/planner";
import type { Me } from "../api/identity";
import { mcpApi, type McpCatalogProblem, type McpTool } from "../api/mcp";
import {
  workflowsApi,
  type VersionInfo,
  type WorkflowDetail,
  type WorkflowSummary,
  type Graph,
  type WorkflowShares,
} from "../api/workflows";
import { nodeTypes, toFlow, toGraph, type CtNode } from "../flow";
import { Link } from "../router";
import { ErrorBox, Loading, useToast } from "../ui";
import { ExpressionData } from "../expressionData";
import { AutoMiniMap, CanvasToolbar, DraftNotice } from "./editor/CanvasTools";
import { InspectorPanel } from "./editor/InspectorPanel";
import { useCanvasCommands, useCanvasShortcuts } from "./editor/useCanvasCommands";
import { readDraft } from "./editor/drafts";
import { minZoom } from "./editor/fit";
import { usePanels } from "./editor/panels";
import { usePins } from "./editor/pins";
import { useLastRun } from "./editor/lastRun";
import { NodeTestData } from "./editor/NodeTestData";
import { useEditorCommands } from "./editor/editorCommands";
import { buildPalette } from "./editor/palette";
import { NodePalette } from "./editor/NodePalette";
import { WorkflowOverview } from "./editor/WorkflowOverview";
import { EditorBar, type EditorDialog } from "./editor/EditorBar";
import { EditorDialogs } from "./editor/EditorDialogs";
import { useValidation } from "./editor/useValidation";
import { useDraftGuard } from "./editor/useDraftGuard";
import { useNodeBadges } from "./editor/useNodeBadges";
import { useGraphEdits } from "./editor/useGraphEdits";
import { useWorkflowFile } from "./editor/useWorkflowFile";

export default function EditorPage({ id, me }: { id: string; me: Me }) {
  const [state, setState] = useState<{
    detail: WorkflowDetail;
    types: NodeType[];
    tools: McpTool[] | null;
    toolProblems: McpCatalogProblem[];
    shares: WorkflowShares | null;
  } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setState(null);
    Promise.all([workflowsApi.get(id), nodeTypesApi.list(), mcpApi.tools().catch(() => null), workflowsApi.sharesIfAny(id)]).then(
      ([detail, types, tools, shares]) =>
        setState({ detail, types, tools: tools?.tools ?? null, toolProblems: tools?.problems ?? [], shares }),
      setError,
    );
  }, [id]);
  if (error)
    return (
      <div className="main">
        <ErrorBox error={error} />
        <Link to="/workflows">← Back to workflows</Link>
      </div>
    );
  if (!state) return <Loading label="Opening the editor…" />;
  // The role is the ceiling (viewers and approvers only read); the workflow's owner and shares decide within it.
  const access = state.shares?.callerAccess ?? "owner";
  const operates = me.role === "admin" || me.role === "operator" || me.role === "service";
  const canWrite = operates && (access === "owner" || access === "admin" || access === "editor");
  const canRun = operates && access !== "none";
  return (
    <ReactFlowProvider>
      <Editor
        key={`${id}:${state.detail.version.version}`}
        initial={state.detail}
        types={state.types}
        tools={state.tools}
        toolProblems={state.toolProblems}
        canWrite={canWrite}
        canRun={canRun}
        canShare={canWrite && state.shares !== null}
      />
    </ReactFlowProvider>
  );
}

interface EditorProps {
  initial: WorkflowDetail;
  types: NodeType[];
  tools: McpTool[] | null;
  toolProblems: McpCatalogProblem[];
  canWrite: boolean;
  canRun: boolean;
  canShare: boolean;
}

/** The editor of one workflow version: state and wiring; the parts live in ./editor. */
function Editor({ initial, types, tools, toolProblems, canWrite, canRun, canShare }: EditorProps) {
  const typeMap = useMemo(() => new Map(types.map((t) => [t.type, t])), [types]);
  // Unsaved edits of this version kept in the browser come back onto the canvas after a reload.
  const [draft, setDraft] = useState(() => readDraft(initial.workflow.id, initial.version.version));
  const [startGraph] = useState<Graph>(() => (draft ? (JSON.parse(draft.graph) as Graph) : initial.graph));
  const start = useMemo(() => toFlow(startGraph, typeMap), [startGraph, typeMap]);
  const [nodes, setNodes, onNodesChange] = useNodesState<CtNode>(start.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>(start.edges);
  const [workflow, setWorkflow] = useState<WorkflowSummary>(initial.workflow);
  const [version, setVersion] = useState<VersionInfo>(initial.version);
  const [baseGraph, setBaseGraph] = useState<Graph>(startGraph);
  const [savedJson, setSavedJson] = useState(() => {
    const saved = toFlow(initial.graph, typeMap);
    return JSON.stringify(toGraph(initial.graph, saved.nodes, saved.edges));
  });
  const [selected, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<EditorDialog | null>(null);
  const [panels, setPanel] = usePanels();
  const [pins, setPin] = usePins(initial.workflow.id);
  const { last } = useLastRun(initial.workflow.id);
  const [savedGraph, setSavedGraph] = useState<Graph>(initial.graph);
  const [drafted, setDrafted] = useState<string | null>(null);
  const [toast, say] = useToast();
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);

  const graph = useMemo(() => toGraph(baseGraph, nodes, edges), [baseGraph, nodes, edges]);
  const graphJson = JSON.stringify(graph);
  const dirty = graphJson !== savedJson;
  const commands = useCanvasCommands({
    nodes,
    edges,
    baseGraph,
    graphJson,
    typeMap,
    canWrite,
    setNodes,
    setEdges,
    setBaseGraph,
    flow,
    wrapper,
    say,
  });
  const showShortcuts = useCallback(() => setDialog("shortcuts"), []);
  useCanvasShortcuts(commands, canWrite, showShortcuts);
  const selectedCount = nodes.filter((n) => n.selected).length;

  useDraftGuard(workflow.id, version.version, graphJson, dirty);
  const { problems, problemsByNode, graphProblems } = useValidation(graph, canWrite, setNodes);
  useNodeBadges(nodes, pins, last, setNodes);
  const palette = useMemo(() => buildPalette(types, tools), [types, tools]);
  const edits = useGraphEdits({ nodes, edges, typeMap, palette, selected, setSelected, setNodes, setEdges, flow, wrapper });
  useEditorCommands(
    palette,
    {
      add: edits.addAtCenter,
      run: () => setDialog("run"),
      save: () => setDialog("save"),
      arrange: commands.autoArrange,
      fit: commands.fit,
    },
    canWrite,
    canRun,
  );

  // Replaces the canvas with another graph (an import, an accepted refinement); it stays unsaved until saved.
  const load = (g: Graph, message: string) => {
    const next = toFlow(g, typeMap);
    setBaseGraph(g);
    setNodes(next.nodes);
    setEdges(next.edges);
    setSelected(null);
    say(message);
  };
  const file = useWorkflowFile(workflow, (g) => load(g, "Imported onto the canvas: review it, then save a new version."));

  const afterSave = (detail: WorkflowDetail) => {
    setWorkflow(detail.workflow);
    setVersion(detail.version);
    setBaseGraph(detail.graph);
    setSavedGraph(detail.graph);
    setDrafted(null);
    setDraft(null);
    setSavedJson(JSON.stringify(toGraph(detail.graph, nodes, edges)));
    setDialog(null);
    say(`Saved as version ${detail.version.version}`);
  };

  const acceptDraft = (plan: PlanDraft, prompt: string) => {
    if (!plan.graph) return;
    load(plan.graph, "The drafted change is on the canvas: review it, then save a new version.");
    setDrafted(prompt);
    setDialog(null);
  };

  const toggleEnabled = async () => {
    file.setError(null);
    try {
      setWorkflow(await workflowsApi.toggle(workflow));
    } catch (e) {
      file.setError(e);
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
        e.preventDefault();
        if (canWrite) setDialog("save");
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canWrite]);

  return (
    <ExpressionData.Provider value={last}>
      <div className={`editor${panels.palette ? "" : " no-palette"}${panels.inspector ? "" : " no-inspector"}`}>
        <EditorBar
          workflow={workflow}
          version={version}
          dirty={dirty}
          drafted={drafted}
          problemCount={problems.length}
          panels={panels}
          onTogglePanel={setPanel}
          canWrite={canWrite}
          canRun={canRun}
          canShare={canShare}
          onToggleEnabled={() => void toggleEnabled()}
          onImport={(f) => void file.importJson(f)}
          onExport={() => void file.exportJson()}
          onOpen={setDialog}
        />
        {panels.palette && (
          <NodePalette groups={palette} toolsListed={tools !== null} toolProblems={toolProblems} onAdd={edits.addAtCenter} />
        )}
        <div
          className="canvas"
          ref={wrapper}
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = "move";
          }}
          onDrop={edits.onDrop}
          data-testid="canvas"
        >
          {draft && dirty && (
            <DraftNotice
              savedAt={draft.savedAt}
              onDiscard={() => {
                commands.restore(savedJson);
                setDraft(null);
              }}
            />
          )}
          <ReactFlow<CtNode, Edge>
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={edits.onConnect}
            isValidConnection={edits.isValidConnection}
            onSelectionChange={({ nodes: sel }) => {
              setSelected(sel.length === 1 ? sel[0].id : null);
              if (sel.length === 1) setPanel("inspector", true);
            }}
            deleteKeyCode={["Delete", "Backspace"]}
            minZoom={minZoom}
            onInit={() => requestAnimationFrame(commands.fit)}
            colorMode={document.documentElement.dataset.theme === "dark" ? "dark" : "light"}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={20} />
            <Controls showFitView={false} />
            <AutoMiniMap />
            <CanvasToolbar c={commands} canWrite={canWrite} onHelp={showShortcuts} />
          </ReactFlow>
        </div>
        {panels.inspector && (
          <InspectorPanel
            error={file.error}
            selectedCount={selectedCount}
            commands={commands}
            node={edits.selectedNode}
            tools={tools}
            problemsByNode={problemsByNode}
            onChange={edits.updateSelected}
            onDelete={edits.deleteSelected}
            canWrite={canWrite}
            testData={(nodeId) => (
              <NodeTestData
                nodeId={nodeId}
                workflow={workflow}
                graph={graph}
                dirty={dirty}
                pins={pins}
                last={last}
                canRun={canRun}
                onPin={setPin}
              />
            )}
            overview={
              <WorkflowOverview
                version={version}
                problems={problems}
                graphProblems={graphProblems}
                nodeCount={nodes.length}
                edgeCount={edges.length}
              />
            }
          />
        )}
        <EditorDialogs
          dialog={dialog}
          onClose={() => setDialog(null)}
          workflow={workflow}
          version={version.version}
          graph={graph}
          savedGraph={savedGraph}
          dirty={dirty}
          problemCount={problems.length}
          types={typeMap}
          pins={pins}
          canWrite={canWrite}
          onSaved={afterSave}
          onAcceptDraft={acceptDraft}
        />
        {toast}
      </div>
    </ExpressionData.Provider>
  );
}
