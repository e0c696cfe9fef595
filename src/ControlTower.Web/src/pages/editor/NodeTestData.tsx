import { useState } from "react";
import type { Graph, WorkflowSummary } from "../../api/workflows";
import { runsApi } from "../../api/runs";
import { navigate } from "../../router";
import { ErrorBox, Json } from "../../ui";
import { singleNodePins, type Pins } from "./pins";
import type { RunData } from "./suggest";

/**
 * A node's test data in the settings panel: pin its output (from the last run or typed) so later nodes can be built
 * without calling it again, and run this node alone on the input of the last run.
 */
export function NodeTestData({
  nodeId,
  workflow,
  graph,
  dirty,
  pins,
  last,
  canRun,
  onPin,
}: {
  nodeId: string;
  workflow: WorkflowSummary;
  graph: Graph;
  dirty: boolean;
  pins: Pins;
  last: (RunData & { runId: string }) | null;
  canRun: boolean;
  onPin: (nodeId: string, output: unknown | undefined) => void;
}) {
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const pinned = nodeId in pins;
  const lastOutput = last && nodeId in last.outputs ? last.outputs[nodeId] : undefined;
  const pinTyped = () => {
    try {
      onPin(nodeId, JSON.parse(typed));
      setTyped("");
      setError(null);
    } catch (e) {
      setError(new Error(`The output is not JSON: ${(e as Error).message}`));
    }
  };
  const runAlone = async () => {
    if (!last) return;
    setBusy(true);
    setError(null);
    try {
      const run = await runsApi.start(
        workflow.id,
        { input: last.input, pins: singleNodePins(graph, nodeId, last.outputs) },
        crypto.randomUUID(),
      );
      navigate(`/runs/${run.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <section className="test-data" data-testid="test-data">
      <h4 className="inspector-section">Test data</h4>
      {error != null && <ErrorBox error={error} />}
      {pinned ? (
        <div data-testid="pinned-output">
          <p className="small">
            <span className="pin-tag">pinned</span> Manual test runs use this output instead of running the node.
          </p>
          <Json value={pins[nodeId]} />
          <button type="button" className="btn sm" onClick={() => onPin(nodeId, undefined)} data-testid="unpin">
            Unpin
          </button>
        </div>
      ) : (
        <>
          <button
            type="button"
            className="btn sm"
            disabled={lastOutput === undefined}
            onClick={() => onPin(nodeId, lastOutput)}
            data-testid="pin-last"
            title={lastOutput === undefined ? "The last run has no output of this node" : "Pin the output of the last run"}
          >
            Pin the last run's output
          </button>
          <details>
            <summary className="small">Pin a typed output</summary>
            <textarea
              className="mono"
              aria-label="Output to pin (JSON)"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder='{"on_hand": 120}'
              data-testid="pin-typed"
            />
            <button type="button" className="btn sm" disabled={!typed.trim()} onClick={pinTyped} data-testid="pin-typed-save">
              Pin
            </button>
          </details>
        </>
      )}
      <button
        type="button"
        className="btn sm"
        disabled={!canRun || !last || busy || dirty}
        onClick={runAlone}
        data-testid="run-single"
        title={
          dirty
            ? "Save first: runs use the saved version"
            : last
              ? "Runs only this node, on the input of the last run; other nodes answer with their last output"
              : "No run yet"
        }
      >
        ▶ Run this node with its last input
      </button>
    </section>
  );
}
