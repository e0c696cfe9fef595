import { useEffect, useRef, useState } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { followRunEvents } from "../api";
import { nodeTypesApi, type NodeType } from "../api/nodeTypes";
import { workflowsApi, type WorkflowDetail } from "../api/workflows";
import { runsApi, type NodeAttempt, type Run } from "../api/runs";
import { Link } from "../router";
import { Badge, ErrorBox, Loading, useToast, when } from "../ui";
import { statusTone } from "./runs/runFilters";
import { PayloadJson } from "./runs/PayloadJson";
import { RunHold } from "./runs/RunHold";
import { liveFrom, type NodeLive } from "./runs/nodeLive";
import { NodeDetails } from "./runs/NodeDetails";
import { Gantt } from "./runs/Gantt";
import { RunCanvas } from "./runs/RunCanvas";

const finished = ["completed", "failed", "cancelled"];

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

/** The graph's <code>config.phases</code>: node id → the phase a run enters when that node succeeds. */
function phasesOf(detail: WorkflowDetail | null): Record<string, string> {
  const phases = detail?.graph.config?.phases;
  return phases && typeof phases === "object" ? (phases as Record<string, string>) : {};
}
