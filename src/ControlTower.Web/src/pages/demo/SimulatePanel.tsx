import { useEffect, useRef, useState } from "react";
import { ErrorBox } from "../../ui";
import { StageBadge } from "../TrustEvidence";
import { demoApi, followSimulation, type Simulation } from "../../api/demo";

const pct = (v: number | null | undefined) => (v == null ? "—" : `${Math.round(v * 100)}%`);

/** "Simulate 200 cases": starts a simulation (or follows the one running), with a live progress bar and the figures at the end. */
export function SimulatePanel({ onProgress }: { onProgress: (s: Simulation) => void }) {
  const [job, setJob] = useState<Simulation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const following = useRef<AbortController | null>(null);

  const follow = (start: Simulation) => {
    following.current?.abort();
    const abort = new AbortController();
    following.current = abort;
    const show = (s: Simulation) => {
      setJob(s);
      onProgress(s);
    };
    show(start);
    followSimulation(start.id, show, abort.signal).catch((e) => !abort.signal.aborted && setError(e));
  };

  useEffect(() => {
    demoApi.simulations().then((jobs) => jobs[0] && (jobs[0].status === "running" ? follow(jobs[0]) : setJob(jobs[0])), setError);
    return () => following.current?.abort();
    // Once, on mount: later jobs are followed from the button.
  }, []);

  const start = async () => {
    setError(null);
    try {
      follow(await demoApi.simulate({ cases: 200 }));
    } catch (e) {
      setError(e);
    }
  };
  const cancel = () => job && demoApi.cancelSimulation(job.id).catch(setError);
  const running = job?.status === "running";
  const done = job ? Math.round((job.done / job.cases) * 100) : 0;
  const f = job?.figures;

  return (
    <section className="card card-pad stack" data-testid="simulate-panel">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h3>Simulate the pharmacy</h3>
        <span className="row">
          {running && (
            <button className="btn sm" onClick={cancel}>
              Cancel
            </button>
          )}
          <button className="btn primary" onClick={start} disabled={running} data-testid="simulate">
            Simulate 200 cases
          </button>
        </span>
      </div>
      <p className="small muted">
        Refill requests run through the real workflow and the real pharmacy server; a seeded synthetic pharmacist decides what a person
        would (its own user, audited). Watch the dispense scope earn its stages as approvals and successful dispenses accumulate.
      </p>
      {error != null && <ErrorBox error={error} />}
      {job && (
        <div className="stack" style={{ gap: 6 }}>
          <div
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={job.cases}
            aria-valuenow={job.done}
            data-testid="sim-progress"
            data-status={job.status}
            style={{ height: 12, borderRadius: 6, background: "var(--border)", overflow: "hidden" }}
          >
            <div
              style={{
                width: `${done}%`,
                height: "100%",
                background: job.status === "failed" ? "#ef4444" : "#3b82f6",
                transition: "width 0.3s",
              }}
            />
          </div>
          <div className="row small">
            <strong data-testid="sim-status">{job.status}</strong>
            <span>
              {job.done}/{job.cases} cases · {job.casesPerSecond.toFixed(1)} cases/s
            </span>
            <span>
              dispense scope: <StageBadge stage={job.stage} />
            </span>
            <span className="muted">
              people decided {job.counts.humanDecisions} times ({job.counts.governedHumanDecisions} on the dispense) ·{" "}
              {job.counts.automaticDispenses} dispenses ran on their own
            </span>
          </div>
          {job.error && (
            <div className="error-box" role="alert">
              {job.error}
            </div>
          )}
          {f && (
            <p className="small" data-testid="sim-figures">
              Stages first reached after case:{" "}
              {Object.entries(f.stageFirstReachedAtCase)
                .map(([s, c]) => `${s.replace(/_/g, " ")} ${c}`)
                .join(" · ")}
              . Decisions on the dispense fell from {f.first.governedHumanDecisions} (cases {f.first.from}–{f.first.to}) to{" "}
              {f.last.governedHumanDecisions} (cases {f.last.from}–{f.last.to}), {pct(f.governedDecisionReduction)} fewer; all decisions{" "}
              {pct(f.humanDecisionReduction)} fewer.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
