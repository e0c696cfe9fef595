import { useEffect, useState } from "react";
import { Link } from "../../router";
import { useAsync, when } from "../../ui";
import { demoApi, type SimulationCase } from "../../api/demo";
import { approvalsApi, type Approval } from "../../api/approvals";

/** What waits for a person now, and the newest runs the simulation created, each a link into its run. */
export function WaitingApprovals({ tick, recent }: { tick: string; recent: SimulationCase[] }) {
  const { data, reload } = useAsync(() => approvalsApi.list("status=pending&limit=6"), []);
  const [note, setNote] = useState<string | null>(null);
  useEffect(reload, [tick]);
  // Runs reach their approvals on their own (the seeded refills right after start): the list follows them.
  useEffect(() => {
    const timer = window.setInterval(() => document.visibilityState === "visible" && reload(), 5000);
    return () => window.clearInterval(timer);
  }, [reload]);
  // Auto-step: the models' prediction decides this one approval when the scope and the prediction allow; the answer says why.
  const autoStep = async (a: Approval) => {
    try {
      const r = await demoApi.autoStep(a.runId);
      setNote(`${a.title}: ${r.advanced ? "approved by prediction" : "left for a person"}: ${r.why}`);
      if (r.advanced) reload();
    } catch (e) {
      setNote(`${a.title}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <div className="row" style={{ alignItems: "stretch", flexWrap: "wrap" }}>
      <section className="card card-pad stack" style={{ flex: "1 1 320px" }} data-testid="demo-approvals">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h3>Approvals waiting</h3>
          <Link to="/approvals" className="small">
            inbox ({data?.total ?? 0})
          </Link>
        </div>
        {data && data.items.length === 0 && <p className="small muted">Nothing waits for a person.</p>}
        <ul className="small" style={{ margin: 0, paddingLeft: 18 }}>
          {data?.items.map((a) => (
            <li key={a.id}>
              <Link to={`/runs/${a.runId}`}>{a.title}</Link> <span className="muted">{when(a.createdAt)}</span>{" "}
              <button className="btn ghost sm" onClick={() => autoStep(a)} data-testid="auto-step">
                auto-step
              </button>
            </li>
          ))}
        </ul>
        {note && (
          <p className="small muted" data-testid="auto-step-why">
            {note}
          </p>
        )}
      </section>
      <section className="card card-pad stack" style={{ flex: "1 1 320px" }} data-testid="demo-runs">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h3>Simulated cases</h3>
          <Link to="/runs" className="small">
            all runs
          </Link>
        </div>
        {recent.length === 0 && <p className="small muted">Runs the simulation creates show up here.</p>}
        <ul className="small" style={{ margin: 0, paddingLeft: 18 }}>
          {[...recent]
            .reverse()
            .slice(0, 8)
            .map((c) => (
              <li key={c.index}>
                {c.runId ? <Link to={`/runs/${c.runId}`}>{c.rx}</Link> : c.rx}{" "}
                <span className="muted">
                  {c.kind.replace(/_/g, " ")} → {c.outcome.replace(/_/g, " ")}
                  {c.dispensedAutomatically ? " (dispensed without a person)" : ""}
                </span>
              </li>
            ))}
        </ul>
      </section>
    </div>
  );
}
