import { useEffect, useMemo, useRef, useState } from "react";
import { Background, Controls, ReactFlow, ReactFlowProvider, useNodesState, type Edge } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { followRunEvents } from "../api";
import { nodeTypesApi, type NodeType } from "../api/nodeTypes";
import { workflowsApi, type WorkflowDetail } from "../api/workflows";
import { runsApi, type NodeAttempt, type Run, type RunNode } from "../api/runs";
import { nodeTypes, toFlow, type CtNode } from "../flow";
import { Link } from "../router";
import { Badge, duration, ErrorBox, Loading, useToast, when } from "../ui";
import { TrustEvidence, type TrustEvidenceShape } from "./TrustEvidence";
import { RunApproval } from "./approvals/RunApproval";
import { statusTone } from "./runs/runFilters";
import { PayloadJson } from "./runs/PayloadJson";
import { RunHold } from "./runs/RunHold";

const finished = ["completed", "failed", "cancelled"];

interface NodeLive {
  status: string;
  attempt: number;
  outcome?: string;
  error?: { code: string; message: string };
  waitReason?: string;
}

function liveFrom(run: Run): Record<string, NodeLive> {
  return Object.fromEntries(
    (run.nodes ?? []).map((n) => [
      n.nodeId,
      {
        status: n.status,
        attempt: n.attempt,
        outcome: n.outcome ?? undefined,
        error: n.error as NodeLive["error"],
        waitReason: n.waitReason ?? undefined,
      },
    ]),
  );
}

export default function RunViewPage({ id }: { id: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [detail, setDetail] = useState<WorkflowDetail | null>(null);
  const [types, setTypes] = useState<NodeType[] | null>(null);
  const [attempts, setAttempts] = useState<NodeAttempt[]>([]);
  const [live, setLive] = useState<Record<string, NodeLive>>({});
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [toast, say] = useToast();
  const [generation, setGeneration] = useState(0);
  const phases = useRef<Record<string, string>>({});
  phases.current = phasesOf(detail);

  useEffect(() => {
    let cancelled = false;
    runsApi
      .get(id)
      .then(async (r) => {
        if (cancelled) return;
        setRun(r);
        setLive(liveFrom(r));
        const [d, t] = await Promise.all([workflowsApi.get(r.workflowId, r.workflowVersion), nodeTypesApi.list()]);
        if (!cancelled) {
          setDetail(d);
          setTypes(t);
        }
      })
      .catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [id, generation]);

  const loadAttempts = () => runsApi.attempts(id).then(setAttempts, () => undefined);

  // Live: follow the SSE stream; node updates colour the canvas, the final event refreshes the run.
  useEffect(() => {
    if (!run || finished.includes(run.status)) {
      void loadAttempts();
      return;
    }
    const abort = new AbortController();
    setStreaming(true);
    void loadAttempts();
    followRunEvents(
      id,
      (evt) => {
        const data = evt.data ?? {};
        if (data.kind === "node" && typeof data.node_id === "string") {
          const nodeId = data.node_id;
          // The run's phase follows the last node that succeeded among those the workflow names a phase for (config.phases).
          const phase = data.status === "succeeded" ? phases.current[nodeId] : undefined;
          if (phase) setRun((r) => (r ? { ...r, phase } : r));
          setLive((l) => ({
            ...l,
            [nodeId]: {
              status: String(data.status),
              attempt: Number(data.attempt ?? 1),
              outcome: data.outcome as string | undefined,
              error: data.error as NodeLive["error"],
              waitReason: data.wait_reason as string | undefined,
            },
          }));
          void loadAttempts();
        }
        if (data.kind === "run" && typeof data.status === "string")
          setRun((r) => (r ? { ...r, status: data.status === "started" ? "running" : (data.status as string) } : r));
        // The final event: the run record is the authority on every node's end state.
        if (evt.type !== "update") {
          runsApi
            .get(id)
            .then(
              (r) => {
                setLive(liveFrom(r));
                setRun(r);
              },
              () => undefined,
            )
            .finally(() => void loadAttempts());
        }
      },
      abort.signal,
    )
      .catch(setActionError)
      .finally(() => setStreaming(false));
    return () => abort.abort();
  }, [id, run?.id, run && finished.includes(run.status), generation]);

  const cancel = async () => {
    setActionError(null);
    try {
      setRun(await runsApi.cancel(id, "cancelled from the dashboard"));
      say("Cancel requested");
    } catch (e) {
      setActionError(e);
    }
  };
  const retry = async () => {
    setActionError(null);
    try {
      await runsApi.retry(id);
      say("Retrying from the failed node");
      setGeneration((g) => g + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  if (error)
    return (
      <div className="main">
        <ErrorBox error={error} />
        <Link to="/runs">← All runs</Link>
      </div>
    );
  if (!run || !detail || !types) return <Loading label="Loading the run…" />;
  const active = !finished.includes(run.status);
  return (
    <div className="runview">
      <div className="editor-bar">
        <Link to="/runs" className="btn ghost sm" aria-label="Back to runs">
          ←
        </Link>
        <h1>
          Run <span className="mono">{run.id.slice(0, 8)}</span>
        </h1>
        <span data-testid="run-status">
          <Badge status={statusTone(run)}>{run.status}</Badge>
        </span>
        {run.phase && (
          <span data-testid="run-phase" title="Where the case is (the workflow's phases)">
            <Badge status={run.outcome ?? run.phase}>{run.phase.replace(/_/g, " ")}</Badge>
          </span>
        )}
        {streaming && (
          <span className="muted small" aria-live="polite">
            ● live
          </span>
        )}
        {run.trigger === "test" && (
          <span
            className="pin-tag"
            data-testid="test-run"
            title="A manual test run: pinned nodes answered with their pinned data instead of running"
          >
            test run · pinned data
          </span>
        )}
        <span className="muted small">
          of <Link to={`/workflows/${run.workflowId}`}>{detail.workflow.name}</Link> v{run.workflowVersion} · {run.trigger} ·{" "}
          {when(run.createdAt)}
        </span>
        <div style={{ flex: 1 }} />
        {actionError != null && (
          <span className="field-error" role="alert">
            {actionError instanceof Error ? actionError.message : String(actionError)}
          </span>
        )}
        <RunHold runId={id} />
        {active && (
          <button className="btn sm danger" onClick={cancel}>
            Cancel run
          </button>
        )}
        {run.status === "failed" && (
          <button className="btn sm primary" onClick={retry} data-testid="retry-button">
            Retry from failed
          </button>
        )}
      </div>
      <div className="run-body">
        <div className="canvas">
          <ReactFlowProvider>
            <RunCanvas detail={detail} types={types} live={live} onSelect={setSelected} />
          </ReactFlowProvider>
        </div>
        <aside className="inspector">
          {selected ? (
            <NodeDetails
              runId={id}
              nodeId={selected}
              attempts={attempts.filter((a) => a.nodeId === selected)}
              live={live[selected]}
              onClose={() => setSelected(null)}
            />
          ) : (
            <div className="stack">
              <h3>Run</h3>
              {run.error && (
                <div className="error-box" role="alert">
                  <div>
                    <strong>{run.status === "cancelled" ? "Cancelled" : "The run failed"}</strong>
                    {run.error.code != null && <code className="code-chip">{String(run.error.code)}</code>}
                  </div>
                  {run.error.message != null && <p>{String(run.error.message)}</p>}
                  {run.error.node_id != null && (
                    <p className="small">
                      at node <code>{String(run.error.node_id)}</code>
                    </p>
                  )}
                </div>
              )}
              <div>
                <strong className="small">Input</strong>
                <PayloadJson runId={id} value={run.input} />
              </div>
              <div>
                <strong className="small">Output</strong>
                <PayloadJson runId={id} value={run.output} />
              </div>
              <p className="muted small">Select a node to see its input, output and error for each attempt.</p>
              <p className="muted small">
                Trace <code>{run.traceId}</code>
              </p>
            </div>
          )}
        </aside>
      </div>
      <Gantt attempts={attempts} nodes={run.nodes ?? []} onSelect={setSelected} />
      {toast}
    </div>
  );
}

function RunCanvas({
  detail,
  types,
  live,
  onSelect,
}: {
  detail: WorkflowDetail;
  types: NodeType[];
  live: Record<string, NodeLive>;
  onSelect: (id: string) => void;
}) {
  const base = useMemo(() => toFlow(detail.graph, new Map(types.map((t) => [t.type, t]))), [detail, types]);
  // Nodes live in xyflow's state so their measured sizes survive status updates (a node without them is hidden).
  const [nodes, setNodes, onNodesChange] = useNodesState<CtNode>(base.nodes.map((n) => ({ ...n, draggable: false, connectable: false })));
  useEffect(() => {
    setNodes((ns) =>
      ns.map((n) => {
        const l = live[n.id];
        return n.data.status === l?.status && n.data.attempt === l?.attempt
          ? n
          : { ...n, data: { ...n.data, status: l?.status, attempt: l?.attempt } };
      }),
    );
  }, [live, setNodes]);
  const edges: Edge[] = base.edges.map((e) => {
    const src = live[e.source];
    const taken =
      src &&
      (src.status === "succeeded" || src.status === "failed") &&
      (src.outcome ?? (src.status === "failed" ? "error" : "success")) === e.sourceHandle;
    return {
      ...e,
      animated: !!taken && live[e.target]?.status === "running",
      style: { ...e.style, ...(taken ? { stroke: "var(--ok)", strokeWidth: 2 } : {}) },
    };
  });
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      // A whole refill or order workflow is wider than the canvas beside the inspector: fit it all, below xyflow's default 0.5 zoom floor.
      minZoom={0.2}
      fitView
      fitViewOptions={{ maxZoom: 1.1, minZoom: 0.2, padding: 0.1 }}
      nodesDraggable={false}
      nodesConnectable={false}
      onNodeClick={(_, n) => onSelect(n.id)}
      proOptions={{ hideAttribution: true }}
      colorMode={document.documentElement.dataset.theme === "dark" ? "dark" : "light"}
    >
      <Background gap={20} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

function NodeDetails({
  runId,
  nodeId,
  attempts,
  live,
  onClose,
}: {
  runId: string;
  nodeId: string;
  attempts: NodeAttempt[];
  live?: NodeLive;
  onClose: () => void;
}) {
  return (
    <div className="stack" data-testid="node-details">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h3 className="mono">{nodeId}</h3>
        <button className="btn ghost sm" onClick={onClose}>
          Close
        </button>
      </div>
      {live && (
        <p>
          <Badge status={live.status} />{" "}
          {live.outcome && (
            <span className="muted small">
              outcome <code>{live.outcome}</code>
            </span>
          )}
          {live.status === "waiting" && live.waitReason && (
            <span className="muted small" data-testid="wait-reason">
              waiting for <code>{live.waitReason}</code>
            </span>
          )}
        </p>
      )}
      {live?.status === "waiting" && live.waitReason === "node_type_disabled" && (
        <p className="small" data-testid="node-type-disabled-note">
          Its node type is switched off (Governance → <Link to="/governance?tab=node-types">Node types</Link>). It has not run; it resumes
          by itself when the type is switched back on.
        </p>
      )}
      {(live?.status === "waiting" || attempts.some((a) => a.nodeType === "approval" || a.nodeType === "governed.action")) && (
        <RunApproval runId={runId} nodeId={nodeId} />
      )}
      {live?.error && (
        <div className="error-box">
          <strong>{live.error.message}</strong>
          <code className="code-chip">{live.error.code}</code>
        </div>
      )}
      {attempts.length === 0 && <p className="muted small">This node has not run.</p>}
      {attempts.map((a) => (
        <div key={a.attempt} className="card card-pad stack" style={{ gap: 8 }}>
          <div className="row" style={{ justifyContent: "space-between" }}>
            <strong>Attempt {a.attempt}</strong>
            <span className="row">
              <Badge status={a.status} />
              <span className="mono small">{duration(a.durationMs)}</span>
            </span>
          </div>
          {a.errorCode && (
            <div className="error-box" style={{ margin: 0 }}>
              <span>{a.errorMessage}</span>
              <code className="code-chip">{a.errorCode}</code>
            </div>
          )}
          <ExecutionLink attempt={a} />
          <TrustOfAttempt attempt={a} />
          <div>
            <strong className="small">Input</strong>
            <PayloadJson runId={runId} value={a.input} />
          </div>
          <div>
            <strong className="small">Output</strong>
            <PayloadJson runId={runId} value={a.output} />
          </div>
          <span className="muted small mono">key {a.idempotencyKey}</span>
        </div>
      ))}
    </div>
  );
}

/** What the trust stage decided for a governed action (the mode and why; predictions unless in shadow). */
function TrustOfAttempt({ attempt }: { attempt: NodeAttempt }) {
  const output = attempt.output as { trust?: TrustEvidenceShape | null } | null;
  if (attempt.nodeType !== "governed.action" || !output?.trust) return null;
  return <TrustEvidence trust={output.trust} />;
}

/** A governed action that ran recorded an execution: its diff and rollback are one click away. */
function ExecutionLink({ attempt }: { attempt: NodeAttempt }) {
  const output = attempt.output as { executionId?: unknown } | null;
  if (attempt.nodeType !== "governed.action" || typeof output?.executionId !== "string") return null;
  return (
    <Link
      to={`/governance?tab=executions&execution=${output.executionId}`}
      className="btn sm"
      style={{ alignSelf: "flex-start" }}
      data-testid="open-execution"
    >
      Open the execution: what changed, undo
    </Link>
  );
}

/** Node attempts on one time axis: where the run spent its time, and the retries. */
function Gantt({ attempts: raw, nodes, onSelect }: { attempts: NodeAttempt[]; nodes: RunNode[]; onSelect: (id: string) => void }) {
  // A parked attempt (timer, approval) is finished by the engine on the node, not always on the attempt row.
  const attempts = raw.map((a) => {
    const node = nodes.find((n) => n.nodeId === a.nodeId && n.attempt === a.attempt);
    if (a.finishedAt || !node?.finishedAt || !["succeeded", "failed", "cancelled", "skipped"].includes(node.status)) return a;
    return {
      ...a,
      status: node.status,
      finishedAt: node.finishedAt,
      durationMs: new Date(node.finishedAt).getTime() - new Date(a.startedAt).getTime(),
    };
  });
  if (attempts.length === 0) return <div className="gantt muted small">The timeline fills in as nodes run.</div>;
  const now = Date.now();
  const starts = attempts.map((a) => new Date(a.startedAt).getTime());
  const ends = attempts.map((a) => (a.finishedAt ? new Date(a.finishedAt).getTime() : now));
  const t0 = Math.min(...starts);
  const span = Math.max(1, Math.max(...ends) - t0);
  const rows = [...attempts].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.attempt - b.attempt);
  return (
    <div className="gantt" data-testid="gantt" aria-label="Timeline">
      <div className="row small muted" style={{ justifyContent: "space-between", marginBottom: 4 }}>
        <strong>Timeline</strong>
        <span>{duration(span)} total</span>
      </div>
      {rows.map((a) => {
        const s = new Date(a.startedAt).getTime();
        const e = a.finishedAt ? new Date(a.finishedAt).getTime() : now;
        return (
          <div className="gantt-row" key={`${a.nodeId}:${a.attempt}`}>
            <button
              className="btn ghost sm mono"
              style={{ justifyContent: "flex-start", overflow: "hidden" }}
              onClick={() => onSelect(a.nodeId)}
            >
              {a.nodeId}
              {a.attempt > 1 ? ` #${a.attempt}` : ""}
            </button>
            <div className="gantt-track">
              <div
                className={`gantt-bar ${a.status}`}
                style={{ left: `${((s - t0) / span) * 100}%`, width: `${Math.max(0.4, ((e - s) / span) * 100)}%` }}
                title={`${a.status} · ${duration(a.durationMs ?? e - s)}`}
              />
            </div>
            <span className="mono">{duration(a.durationMs ?? (a.finishedAt ? e - s : null))}</span>
          </div>
        );
      })}
    </div>
  );
}

/** The graph's <code>config.phases</code>: node id → the phase a run enters when that node succeeds. */
function phasesOf(detail: WorkflowDetail | null): Record<string, string> {
  const phases = detail?.graph.config?.phases;
  return phases && typeof phases === "object" ? (phases as Record<string, string>) : {};
}
