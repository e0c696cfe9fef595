import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type ReactNode } from "react";
import {
  addEdge,
  Background,
  Controls,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Connection,
  type Edge,
  type IsValidConnection,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { nodeTypesApi, type NodeType, type JsonSchema } from "../api/nodeTypes";
import type { PlanDraft } from "../api/planner";
import type { Me } from "../api/identity";
import { mcpApi, type McpCatalogProblem, type McpTool } from "../api/mcp";
import {
  workflowsApi,
  type GraphProblem,
  type VersionInfo,
  type WorkflowDetail,
  type WorkflowSummary,
  type Graph,
  type WorkflowShares,
} from "../api/workflows";
import { nodeTypes, outputsOf, toFlow, toFlowEdge, toGraph, type CtNode } from "../flow";
import { Link } from "../router";
import { SchemaForm } from "../schemaForm";
import { Badge, ErrorBox, Loading, useToast, when } from "../ui";
import { HistoryDialog, RefineDialog, RunDialog, SaveDialog, ShareDialog } from "./editor/dialogs";
import { ReleasesPanel } from "./releases/ReleasesPanel";
import { AutoMiniMap, CanvasToolbar, DraftNotice, PanelToggles, SelectionActions, ShortcutsDialog } from "./editor/CanvasTools";
import { useCanvasCommands, useCanvasShortcuts } from "./editor/useCanvasCommands";
import { readDraft, writeDraft } from "./editor/drafts";
import { minZoom } from "./editor/fit";
import { usePanels } from "./editor/panels";
import { usePins } from "./editor/pins";
import { useLastRun } from "./editor/lastRun";
import { NodeTestData } from "./editor/NodeTestData";
import { ExpressionData } from "../expressionData";
import { setLeaveGuard } from "../router";
import { WorkflowTabs } from "./workflow/WorkflowTabs";
import { useEditorCommands } from "./editor/editorCommands";
import { problemsAboveForm } from "../formText";
import { previewOf } from "./editor/preview";
interface PaletteEntry {
  key: string;
  type: string;
  label: string;
  hint: string;
  config: Record<string, unknown>;
}

const dragMime = "application/x-controltower-node";

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

function Editor({
  initial,
  types,
  tools,
  toolProblems,
  canWrite,
  canRun,
  canShare,
}: {
  initial: WorkflowDetail;
  types: NodeType[];
  tools: McpTool[] | null;
  toolProblems: McpCatalogProblem[];
  canWrite: boolean;
  canRun: boolean;
  canShare: boolean;
}) {
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
  const [problems, setProblems] = useState<GraphProblem[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<"save" | "history" | "run" | "describe" | "share" | "shortcuts" | "releases" | null>(null);
  const [panels, setPanel] = usePanels();
  const [pins, setPin] = usePins(initial.workflow.id);
  const { last } = useLastRun(initial.workflow.id);
  const [savedGraph, setSavedGraph] = useState<Graph>(initial.graph);
  const [drafted, setDrafted] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [toast, say] = useToast();
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const importRef = useRef<HTMLInputElement>(null);

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

  // The draft in the browser follows the canvas; leaving with unsaved changes asks first.
  useEffect(() => {
    const t = setTimeout(
      () => writeDraft(workflow.id, dirty ? { version: version.version, graph: graphJson, savedAt: new Date().toISOString() } : null),
      300,
    );
    return () => clearTimeout(t);
  }, [workflow.id, version.version, graphJson, dirty]);
  useEffect(() => {
    if (!dirty) return;
    const onUnload = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", onUnload);
    setLeaveGuard(() => window.confirm("This workflow has unsaved changes. Leave the editor? (They stay as a draft in this browser.)"));
    return () => {
      window.removeEventListener("beforeunload", onUnload);
      setLeaveGuard(null);
    };
  }, [dirty]);

  // Validation on every change (debounced); problems are pinned on nodes by their JSON pointer.
  const structuralKey = JSON.stringify({ n: graph.nodes.map((n) => [n.id, n.type, n.config]), e: graph.edges, c: graph.config });
  useEffect(() => {
    if (!canWrite) return;
    const t = setTimeout(() => {
      workflowsApi.validate(graph).then(
        (r) => setProblems(r.problems),
        () => undefined,
      );
    }, 400);
    return () => clearTimeout(t);
  }, [structuralKey, canWrite]);

  const problemsByNode = useMemo(() => {
    const map = new Map<string, { pointer: string; text: string }[]>();
    for (const p of problems) {
      const m = /^\/nodes\/(\d+)/.exec(p.jsonPointer);
      const node = m ? graph.nodes[Number(m[1])] : undefined;
      const edge = /^\/edges\/(\d+)/.exec(p.jsonPointer);
      const target = node?.id ?? (edge ? graph.edges[Number(edge[1])]?.source : undefined);
      if (!target) continue;
      map.set(target, [
        ...(map.get(target) ?? []),
        { pointer: m ? p.jsonPointer.slice(m[0].length) : "", text: `${p.message} (${p.code})` },
      ]);
    }
    return map;
  }, [problems]);
  const graphProblems = problems.filter((p) => !/^\/(nodes|edges)\/\d+/.test(p.jsonPointer));

  useEffect(() => {
    setNodes((ns) =>
      ns.map((n) => {
        const ps = (problemsByNode.get(n.id) ?? []).map((p) => p.text);
        return ps.join() === n.data.problems.join() ? n : { ...n, data: { ...n.data, problems: ps } };
      }),
    );
  }, [problemsByNode, setNodes]);

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

  const palette = useMemo(() => buildPalette(types, tools), [types, tools]);

  const addNode = useCallback(
    (entry: PaletteEntry, position: { x: number; y: number }) => {
      setNodes((ns) => {
        const base =
          entry.type === "mcp.tool" ? `${entry.config.tool as string}` : entry.type.replace(/^trigger\./, "").replace(/\./g, "_");
        const stem = base.replace(/[^A-Za-z0-9_]/g, "_").replace(/^[^A-Za-z_]/, "n");
        let n = 1;
        while (ns.some((x) => x.id === `${stem}_${n}`)) n++;
        const nodeId = `${stem}_${n}`.slice(0, 64);
        const node: CtNode = {
          id: nodeId,
          type: "ct",
          position,
          data: {
            graphNode: { id: nodeId, type: entry.type, config: structuredClone(entry.config), position },
            nodeType: typeMap.get(entry.type),
            problems: [],
          },
        };
        setSelected(nodeId);
        return [...ns.map((x) => ({ ...x, selected: false })), { ...node, selected: true }];
      });
    },
    [setNodes, typeMap],
  );

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const key = e.dataTransfer.getData(dragMime);
    const entry = palette.flatMap((g) => g.entries).find((x) => x.key === key);
    if (!entry) return;
    addNode(entry, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  };

  const addAtCenter = (entry: PaletteEntry) => {
    const box = wrapper.current?.getBoundingClientRect();
    const p = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 200, y: 200 };
    addNode(entry, { x: p.x - 75 + Math.random() * 40, y: p.y - 30 + Math.random() * 40 });
  };

  useEditorCommands(
    palette,
    { add: addAtCenter, run: () => setDialog("run"), save: () => setDialog("save"), arrange: commands.autoArrange, fit: commands.fit },
    canWrite,
    canRun,
  );

  // Only declared handles connect: the source's outcomes (or error) into the target's input handles.
  const isValidConnection: IsValidConnection = useCallback(
    (c) => {
      if (!c.source || !c.target || c.source === c.target) return false;
      const src = nodes.find((n) => n.id === c.source);
      const dst = nodes.find((n) => n.id === c.target);
      if (!src || !dst) return false;
      const outs = outputsOf(src.data.nodeType, src.data.graphNode.config);
      const ins = dst.data.nodeType?.inputHandles ?? [];
      return (
        outs.includes(c.sourceHandle ?? "") &&
        ins.includes(c.targetHandle ?? "") &&
        !edges.some(
          (e) => e.source === c.source && e.target === c.target && e.sourceHandle === c.sourceHandle && e.targetHandle === c.targetHandle,
        )
      );
    },
    [nodes, edges],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const e = toFlowEdge({
        source: c.source,
        target: c.target,
        sourceHandle: c.sourceHandle ?? "success",
        targetHandle: c.targetHandle ?? "in",
      });
      setEdges((es) => addEdge(e, es));
    },
    [setEdges],
  );

  const selectedNode = nodes.find((n) => n.id === selected) ?? null;
  const updateSelected = (patch: Partial<CtNode["data"]["graphNode"]>) => {
    if (!selectedNode) return;
    setNodes((ns) =>
      ns.map((n) => (n.id === selectedNode.id ? { ...n, data: { ...n.data, graphNode: { ...n.data.graphNode, ...patch } } } : n)),
    );
  };
  const deleteSelected = () => {
    if (!selectedNode) return;
    setNodes((ns) => ns.filter((n) => n.id !== selectedNode.id));
    setEdges((es) => es.filter((e) => e.source !== selectedNode.id && e.target !== selectedNode.id));
    setSelected(null);
  };

  const afterSave = (detail: WorkflowDetail) => {
    setWorkflow(detail.workflow);
    setVersion(detail.version);
    setBaseGraph(detail.graph);
    setSavedGraph(detail.graph);
    setDrafted(null);
    setDraft(null);
    setSavedJson(JSON.stringify(toGraph(detail.graph, nodes, edges)));
    say(`Saved as version ${detail.version.version}`);
  };

  const exportJson = async () => {
    setActionError(null);
    try {
      const doc = await workflowsApi.export(workflow.id);
      const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `${workflow.name.replace(/[^\w.-]+/g, "-")}.v${workflow.latestVersion}.json`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      setActionError(e);
    }
  };

  const importJson = async (file: File) => {
    setActionError(null);
    try {
      const doc = JSON.parse(await file.text()) as { graph?: Graph } & Graph;
      const g = doc.graph ?? doc;
      if (!Array.isArray(g.nodes) || !Array.isArray(g.edges)) throw new Error("The file holds no workflow graph (nodes and edges).");
      const next = toFlow(g, typeMap);
      setBaseGraph(g);
      setNodes(next.nodes);
      setEdges(next.edges);
      setSelected(null);
      say("Imported onto the canvas: review it, then save a new version.");
    } catch (e) {
      setActionError(e);
    }
  };

  // An accepted refinement replaces the canvas; it stays a draft (unsaved) until saved as a version.
  const acceptDraft = (draft: PlanDraft, prompt: string) => {
    if (!draft.graph) return;
    const next = toFlow(draft.graph, typeMap);
    setBaseGraph(draft.graph);
    setNodes(next.nodes);
    setEdges(next.edges);
    setSelected(null);
    setDrafted(prompt);
    setDialog(null);
    say("The drafted change is on the canvas: review it, then save a new version.");
  };

  const toggleEnabled = async () => {
    setActionError(null);
    try {
      setWorkflow(await workflowsApi.toggle(workflow));
    } catch (e) {
      setActionError(e);
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
        <div className="editor-bar">
          <Link to="/workflows" className="btn ghost sm" aria-label="Back to workflows">
            ←
          </Link>
          <h1>{workflow.name}</h1>
          <span className="mono muted small" data-testid="version-label">
            v{version.version}
          </span>
          <WorkflowTabs id={workflow.id} current="editor" />
          {dirty ? <Badge status="waiting">unsaved changes</Badge> : <Badge status="completed">saved</Badge>}
          {drafted && dirty && (
            <span data-testid="draft-badge" title={drafted}>
              <Badge status="waiting">draft</Badge>
            </span>
          )}
          <button
            className="switch"
            role="switch"
            aria-checked={workflow.enabled}
            aria-label={workflow.enabled ? "Disable workflow" : "Enable workflow"}
            onClick={toggleEnabled}
            disabled={!canWrite}
            title={workflow.enabled ? "Enabled" : "Disabled"}
          />
          {problems.length > 0 && (
            <span data-testid="problem-count">
              <Badge status="failed">
                {problems.length} problem{problems.length === 1 ? "" : "s"}
              </Badge>
            </span>
          )}
          <div style={{ flex: 1 }} />
          <PanelToggles palette={panels.palette} inspector={panels.inspector} onToggle={setPanel} />
          <input
            ref={importRef}
            type="file"
            accept=".json,application/json"
            hidden
            onChange={(e) => {
              if (e.target.files?.[0]) void importJson(e.target.files[0]);
              e.target.value = "";
            }}
          />
          <button className="btn sm" onClick={() => importRef.current?.click()} disabled={!canWrite}>
            Import
          </button>
          <button className="btn sm" onClick={exportJson}>
            Export
          </button>
          <button className="btn sm" onClick={() => setDialog("describe")} disabled={!canWrite} data-testid="describe-change">
            Describe a change
          </button>
          <button className="btn sm" onClick={() => setDialog("history")}>
            History
          </button>
          <button className="btn sm" onClick={() => setDialog("releases")} data-testid="releases-button">
            Releases
          </button>
          {canShare && (
            <button className="btn sm" onClick={() => setDialog("share")} data-testid="share-button">
              Share
            </button>
          )}
          <button className="btn sm" onClick={() => setDialog("run")} disabled={!canRun} data-testid="run-button">
            ▶ Run
          </button>
          <button
            className="btn primary sm"
            onClick={() => setDialog("save")}
            disabled={!canWrite || !dirty}
            data-testid="save-button"
            title="Save (Ctrl+S)"
          >
            Save version
          </button>
        </div>

        {panels.palette && (
          <aside className="palette" aria-label="Node palette">
            <p className="muted small">Drag onto the canvas, or focus and press Enter.</p>
            {palette.map((group) => (
              <div key={group.title}>
                <h4>{group.title}</h4>
                {group.entries.map((entry) => (
                  <button
                    key={entry.key}
                    className="palette-item"
                    draggable
                    data-testid={`palette-${entry.key}`}
                    title={entry.hint}
                    onDragStart={(e) => {
                      e.dataTransfer.setData(dragMime, entry.key);
                      e.dataTransfer.effectAllowed = "move";
                    }}
                    onClick={() => addAtCenter(entry)}
                  >
                    {entry.label}
                    <small>{entry.hint}</small>
                  </button>
                ))}
              </div>
            ))}
            {tools === null && (
              <p className="muted small" style={{ marginTop: 12 }}>
                MCP tools appear here once MCP servers are registered on this server.
              </p>
            )}
            {toolProblems.map((p) => (
              <p key={p.serverId} className="field-error small" style={{ marginTop: 12 }} data-testid="palette-problem">
                MCP · {p.serverId}: its tools could not be listed ({p.code}). {p.message}
              </p>
            ))}
          </aside>
        )}

        <div
          className="canvas"
          ref={wrapper}
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = "move";
          }}
          onDrop={onDrop}
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
            onConnect={onConnect}
            isValidConnection={isValidConnection}
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
          <aside className="inspector" aria-label="Inspector">
            {actionError != null && <ErrorBox error={actionError} />}
            {selectedCount > 1 ? (
              <SelectionActions count={selectedCount} c={commands} canWrite={canWrite} />
            ) : selectedNode ? (
              <NodeInspector
                node={selectedNode}
                tools={tools}
                problems={problemsByNode.get(selectedNode.id) ?? []}
                onChange={updateSelected}
                onDelete={deleteSelected}
                onDuplicate={commands.duplicate}
                readOnly={!canWrite}
                testData={
                  <NodeTestData
                    nodeId={selectedNode.id}
                    workflow={workflow}
                    graph={graph}
                    dirty={dirty}
                    pins={pins}
                    last={last}
                    canRun={canRun}
                    onPin={setPin}
                  />
                }
              />
            ) : (
              <div>
                <h3>Workflow</h3>
                <p className="muted small" style={{ marginBottom: 12 }}>
                  Select a node to edit its settings. Connect an outcome handle (right) to an input (left); the red <code>error</code>{" "}
                  handle catches failures.
                </p>
                {graphProblems.length > 0 && (
                  <ul className="problems" aria-label="Workflow problems">
                    {graphProblems.map((p, i) => (
                      <li key={i}>
                        <code>{p.code}</code> {p.message}
                      </li>
                    ))}
                  </ul>
                )}
                {problems.length === 0 && <p className="field-ok">✓ The workflow is valid.</p>}
                <dl className="small">
                  <dt className="muted">Version</dt>
                  <dd>
                    v{version.version} by {version.author} · {when(version.createdAt)}
                  </dd>
                  {version.message && (
                    <>
                      <dt className="muted">Message</dt>
                      <dd>{version.message}</dd>
                    </>
                  )}
                  <dt className="muted">Nodes / edges</dt>
                  <dd>
                    {nodes.length} / {edges.length}
                  </dd>
                </dl>
              </div>
            )}
          </aside>
        )}

        {dialog === "save" && (
          <SaveDialog
            workflowId={workflow.id}
            graph={graph}
            baseVersion={workflow.latestVersion}
            problems={problems.length}
            onClose={() => setDialog(null)}
            onSaved={(d) => {
              afterSave(d);
              setDialog(null);
            }}
          />
        )}
        {dialog === "history" && (
          <HistoryDialog workflowId={workflow.id} latest={workflow.latestVersion} types={typeMap} onClose={() => setDialog(null)} />
        )}
        {dialog === "describe" && (
          <RefineDialog
            workflowId={workflow.id}
            version={version.version}
            saved={savedGraph}
            dirty={dirty}
            types={typeMap}
            onClose={() => setDialog(null)}
            onAccept={acceptDraft}
          />
        )}
        {dialog === "run" && <RunDialog workflow={workflow} dirty={dirty} pins={pins} onClose={() => setDialog(null)} />}
        {dialog === "share" && <ShareDialog workflowId={workflow.id} onClose={() => setDialog(null)} />}
        {dialog === "releases" && <ReleasesPanel workflowId={workflow.id} canWrite={canWrite} onClose={() => setDialog(null)} />}
        {dialog === "shortcuts" && <ShortcutsDialog onClose={() => setDialog(null)} />}
        {toast}
      </div>
    </ExpressionData.Provider>
  );
}

function buildPalette(types: NodeType[], tools: McpTool[] | null): { title: string; entries: PaletteEntry[] }[] {
  const order = ["trigger", "action", "logic", "flow", "human", "ai"];
  const titles: Record<string, string> = { trigger: "Triggers", action: "Actions", logic: "Logic", flow: "Flow", human: "Human", ai: "AI" };
  const groups = order.map((c) => ({
    title: titles[c],
    entries: types
      .filter((t) => t.category === c)
      .map((t) => ({ key: t.type, type: t.type, label: t.displayName, hint: t.description, config: {} })),
  }));
  const rest = types.filter((t) => !order.includes(t.category));
  if (rest.length)
    groups.push({
      title: "Other",
      entries: rest.map((t) => ({ key: t.type, type: t.type, label: t.displayName, hint: t.description, config: {} })),
    });
  const byServer = new Map<string, McpTool[]>();
  for (const tool of tools ?? []) byServer.set(tool.server, [...(byServer.get(tool.server) ?? []), tool]);
  for (const [server, list] of byServer) {
    groups.push({
      title: `MCP · ${server}`,
      entries: list.map((t) => ({
        key: `mcp:${t.name}`,
        type: "mcp.tool",
        label: t.title || t.tool,
        hint: t.description ?? t.name,
        config: { server: t.server, tool: t.tool, arguments: {} },
      })),
    });
  }
  return groups.filter((g) => g.entries.length > 0);
}

function NodeInspector({
  node,
  tools,
  problems,
  onChange,
  onDelete,
  onDuplicate,
  readOnly,
  testData,
}: {
  node: CtNode;
  tools: McpTool[] | null;
  problems: { pointer: string; text: string }[];
  onChange: (p: Partial<CtNode["data"]["graphNode"]>) => void;
  onDelete: () => void;
  onDuplicate: () => void;
  readOnly: boolean;
  testData: ReactNode;
}) {
  const { graphNode, nodeType } = node.data;
  const listed = problemsAboveForm(problems, graphNode.type === "mcp.tool" ? undefined : nodeType?.configSchema);
  return (
    <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0 }} data-testid="inspector">
      <div className="row" style={{ justifyContent: "space-between", marginBottom: 8 }}>
        <h3 style={{ margin: 0 }}>{nodeType?.displayName ?? graphNode.type}</h3>
        <span className="row">
          <button className="btn sm" onClick={onDuplicate} title="Duplicate (Ctrl+D)" data-testid="duplicate-node">
            Duplicate
          </button>
          <button className="btn danger sm" onClick={onDelete}>
            Delete
          </button>
        </span>
      </div>
      <p className="muted small" style={{ marginBottom: 12 }}>
        {nodeType?.description ?? "Unknown node type."}
      </p>
      {listed.length > 0 && (
        <ul className="problems" aria-label="Node problems">
          {listed.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      <label className="field">
        Id{" "}
        <span className="hint">
          Used in expressions as <code>nodes.{graphNode.id}</code>.
        </span>
        <input value={graphNode.id} readOnly className="mono" />
      </label>
      <label className="field">
        Label
        <input value={graphNode.name ?? ""} onChange={(e) => onChange({ name: e.target.value || undefined })} placeholder={graphNode.id} />
      </label>
      {nodeType && graphNode.type === "mcp.tool" ? (
        <McpToolSettings
          key={graphNode.id}
          nodeType={nodeType}
          config={graphNode.config ?? {}}
          tools={tools}
          onChange={(config) => onChange({ config })}
        />
      ) : (
        nodeType && (
          <SchemaForm
            key={graphNode.id}
            schema={nodeType.configSchema}
            value={graphNode.config ?? {}}
            onChange={(config) => onChange({ config })}
          />
        )
      )}
      {!nodeType?.type.startsWith("trigger.") && testData}
    </fieldset>
  );
}

/**
 * An MCP tool node's settings: the tool's own arguments as a form generated from its input schema (text
 * arguments are CEL templates), instead of a free-form map. A tool missing from the catalog (server
 * disabled or unreachable) falls back to the generic form so its saved arguments stay editable.
 */
function McpToolSettings({
  nodeType,
  config,
  tools,
  onChange,
}: {
  nodeType: NodeType;
  config: Record<string, unknown>;
  tools: McpTool[] | null;
  onChange: (c: Record<string, unknown>) => void;
}) {
  const tool = tools?.find((t) => t.server === config.server && t.tool === config.tool);
  const args = (config.arguments && typeof config.arguments === "object" ? config.arguments : {}) as Record<string, unknown>;
  const credentialSchema: JsonSchema = {
    type: "object",
    properties: {
      credentialId: {
        type: "string",
        title: "Credential",
        description: "Optional: the credential to call the server with; by default the caller's own.",
      },
    },
  };
  if (!tool) {
    return (
      <>
        <div className="notice">
          The tool{" "}
          <code>
            {String(config.server)}/{String(config.tool)}
          </code>{" "}
          is not in the MCP catalog right now (its server is disabled, unreachable or gone).
        </div>
        <SchemaForm schema={nodeType.configSchema} value={config} onChange={onChange} />
      </>
    );
  }
  return (
    <div data-testid="tool-arguments">
      <p className="small">
        <span className="muted">Calls</span> <code>{tool.name}</code>
      </p>
      {tool.description && (
        <p className="muted small" style={{ marginBottom: 12 }}>
          {tool.description}
        </p>
      )}
      <h4 className="inspector-section">Arguments</h4>
      <SchemaForm
        schema={argumentsSchema(tool.inputSchema ?? {}, args)}
        value={args}
        empty="This tool takes no arguments."
        onChange={(next) => onChange({ ...config, arguments: next })}
      />
      <SchemaForm schema={credentialSchema} value={config} onChange={onChange} />
    </div>
  );
}

/** The tool's input schema as form fields: text arguments become CEL templates, and so does any value already saved as one. */
function argumentsSchema(input: JsonSchema, values: Record<string, unknown>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, s] of Object.entries(input.properties ?? {})) {
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    const template = (type === "string" && !s.enum) || (type !== "string" && typeof values[name] === "string");
    properties[name] = template ? { ...s, type: "string", enum: undefined, "x-cel": "template" } : s;
  }
  return { type: "object", properties, required: input.required };
}
