import { useMemo, useState, type FormEvent } from "react";
import type { WorkflowSummary } from "../../api/workflows";
import { runsApi } from "../../api/runs";
import { navigate } from "../../router";
import { ErrorBox, Modal } from "../../ui";

export function RunDialog({
  workflow,
  dirty,
  pins = {},
  onClose,
}: {
  workflow: WorkflowSummary;
  dirty: boolean;
  pins?: Record<string, unknown>;
  onClose: () => void;
}) {
  const [input, setInput] = useState("{\n  \n}");
  const pinCount = Object.keys(pins).length;
  const [usePins, setUsePins] = useState(pinCount > 0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => crypto.randomUUID(), []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = input.trim() ? JSON.parse(input) : null;
    } catch (err) {
      setError(new Error(`The input is not JSON: ${(err as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const run = await runsApi.start(workflow.id, { input: parsed, ...(usePins && pinCount > 0 ? { pins } : {}) }, key);
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={`Run ${workflow.name}`} onClose={onClose}>
      <form onSubmit={submit}>
        {dirty && <div className="notice">The canvas has unsaved changes: the run uses the saved version v{workflow.latestVersion}.</div>}
        {!workflow.enabled && <div className="notice">This workflow is disabled; enable it to run it.</div>}
        {error != null && <ErrorBox error={error} />}
        <label className="field">
          Input (JSON)
          <textarea value={input} onChange={(e) => setInput(e.target.value)} rows={6} data-testid="run-input" />
        </label>
        {pinCount > 0 && (
          <label className="row small" style={{ marginBottom: 12 }}>
            <input type="checkbox" checked={usePins} onChange={(e) => setUsePins(e.target.checked)} data-testid="run-use-pins" />A test run
            with the pinned data of {pinCount} node{pinCount === 1 ? "" : "s"} (they answer with their pin instead of running)
          </label>
        )}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="run-confirm">
            Start run
          </button>
        </div>
      </form>
    </Modal>
  );
}
