import { duration, when } from "../../ui";
import type { CanaryState, VersionSample } from "../../api/releases";
import { percent } from "./percent";

/** The canary's step and share, and the candidate against stable over the step, with the thresholds that would roll it back. */
export function CanaryComparison({ canary }: { canary: CanaryState }) {
  const { stable, candidate, policy } = canary;
  const errorGap = candidate.errorRate - stable.errorRate;
  const latencyRatio = stable.p95Ms && candidate.p95Ms ? candidate.p95Ms / stable.p95Ms : null;
  return (
    <section data-testid="canary-comparison">
      <h4 className="inspector-section">
        Canary · step {canary.step} of {policy.steps.length}
      </h4>
      <div
        className="trust-bar"
        aria-label={`Candidate share ${canary.percent}%`}
        style={{ display: "flex", height: 10, borderRadius: 5, overflow: "hidden", marginBottom: 8 }}
      >
        <span style={{ width: `${canary.percent}%`, background: "var(--warn, #d97706)" }} />
        <span style={{ flex: 1, background: "var(--ok, #16a34a)" }} />
      </div>
      <p className="small" data-testid="canary-share">
        <strong>{canary.percent}%</strong> of new runs take v{candidate.version}; the rest take v{stable.version}. Steps{" "}
        {policy.steps.map((s) => `${s}%`).join(" → ")} → 100%.
      </p>
      <p className="muted small">
        Step began {when(canary.stepStartedAt)}; promotion is checked from {new Date(canary.promotionCheckAt).toLocaleString()} once v
        {candidate.version} finished {policy.minRunsPerStep} runs.
      </p>
      <div className="table-wrap">
        <table className="table" aria-label="Canary against stable">
          <thead>
            <tr>
              <th>Version</th>
              <th>Finished</th>
              <th>Failed</th>
              <th>Error rate</th>
              <th>p95</th>
            </tr>
          </thead>
          <tbody>
            <SampleRow label="stable" sample={stable} />
            <SampleRow label="candidate" sample={candidate} />
          </tbody>
        </table>
      </div>
      <p className="small">
        Error rate gap <strong className={errorGap > policy.maxErrorRateIncrease ? "field-error" : undefined}>{percent(errorGap)}</strong>{" "}
        (rollback above {percent(policy.maxErrorRateIncrease)}) · p95 ratio{" "}
        <strong className={latencyRatio !== null && latencyRatio > policy.maxLatencyRatio ? "field-error" : undefined}>
          {latencyRatio === null ? "—" : `${latencyRatio.toFixed(2)}×`}
        </strong>{" "}
        (rollback above {policy.maxLatencyRatio}×)
      </p>
    </section>
  );
}

function SampleRow({ label, sample }: { label: string; sample: VersionSample }) {
  return (
    <tr data-testid={`canary-${label}`}>
      <td>
        v{sample.version} <span className="muted small">{label}</span>
      </td>
      <td>{sample.finished}</td>
      <td>{sample.failed}</td>
      <td>{percent(sample.errorRate)}</td>
      <td>{duration(sample.p95Ms)}</td>
    </tr>
  );
}
