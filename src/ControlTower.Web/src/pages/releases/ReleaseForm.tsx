import { useState } from "react";
import { ErrorBox, useSubmit } from "../../ui";
import { releasesApi, type Release } from "../../api/releases";

type Mode = "direct" | "canary" | "shadow";

/** Release a version directly, as a canary (steps, pause, thresholds) or in shadow. */
export function ReleaseForm({ workflowId, release, onChanged }: { workflowId: string; release: Release; onChanged: (r: Release) => void }) {
  const [mode, setMode] = useState<Mode>("canary");
  const [version, setVersion] = useState(release.latestVersion);
  const [steps, setSteps] = useState("5, 25, 50");
  const [pauseMinutes, setPauseMinutes] = useState(10);
  const [minRuns, setMinRuns] = useState(20);
  const [maxError, setMaxError] = useState(5);
  const [maxLatency, setMaxLatency] = useState(1.5);
  const [reason, setReason] = useState("");
  const { busy, error, submit } = useSubmit(async () => {
    const canary =
      mode === "canary"
        ? {
            steps: steps
              .split(",")
              .map((s) => Number(s.trim()))
              .filter((n) => !Number.isNaN(n)),
            stepPauseSeconds: pauseMinutes * 60,
            minRunsPerStep: minRuns,
            maxErrorRateIncrease: maxError / 100,
            maxLatencyRatio: maxLatency,
          }
        : {};
    onChanged(await releasesApi.put(workflowId, { mode, version, ...canary, reason: reason.trim() || null }));
  });
  return (
    <form onSubmit={submit} data-testid="release-form">
      <h4 className="inspector-section">Release a version</h4>
      {error != null && <ErrorBox error={error} />}
      <div className="row">
        <label className="field">
          Version
          <select value={version} onChange={(e) => setVersion(Number(e.target.value))} data-testid="release-version">
            {Array.from({ length: release.latestVersion }, (_, i) => release.latestVersion - i).map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          How
          <select value={mode} onChange={(e) => setMode(e.target.value as Mode)} data-testid="release-mode">
            <option value="canary">Canary (a share of new runs, ramped)</option>
            <option value="shadow">Shadow (copy of live traffic, no side effects)</option>
            <option value="direct">Directly (every new run)</option>
          </select>
        </label>
      </div>
      {mode === "canary" && (
        <div className="row">
          <label className="field">
            Steps (%)
            <input value={steps} onChange={(e) => setSteps(e.target.value)} data-testid="release-steps" />
          </label>
          <label className="field">
            Pause per step (min)
            <input type="number" min={0} value={pauseMinutes} onChange={(e) => setPauseMinutes(Number(e.target.value))} />
          </label>
          <label className="field">
            Min runs per step
            <input type="number" min={1} value={minRuns} onChange={(e) => setMinRuns(Number(e.target.value))} />
          </label>
          <label className="field">
            Max error-rate rise (%)
            <input type="number" min={0} max={100} step={0.5} value={maxError} onChange={(e) => setMaxError(Number(e.target.value))} />
          </label>
          <label className="field">
            Max p95 ratio
            <input type="number" min={1} step={0.1} value={maxLatency} onChange={(e) => setMaxLatency(Number(e.target.value))} />
          </label>
        </div>
      )}
      <label className="field">
        Why
        <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. new dispensing fee" />
      </label>
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="submit" className="btn primary" disabled={busy} data-testid="release-submit">
          Release v{version}
        </button>
      </div>
    </form>
  );
}
