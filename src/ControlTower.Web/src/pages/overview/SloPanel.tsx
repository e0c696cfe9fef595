import { Badge, when } from "../../ui";
import type { SloAlert, SloStatus } from "../../api/operations";

const percent = (share: number, digits = 2) => `${(share * 100).toFixed(digits)} %`;

/** Each SLO: objective, budget left over its period, and every burn-rate rule's two windows. */
export function SloPanel({ slos, revision }: { slos: SloStatus[]; revision: string }) {
  return (
    <section className="card card-pad stack" data-testid="slo-panel">
      <div className="row">
        <h3>Service level objectives</h3>
        <span className="muted">config {revision}</span>
      </div>
      {slos.length === 0 && <p className="muted">No SLO is configured (SLO_FILE).</p>}
      {slos.map((slo) => (
        <div key={slo.id} className="slo" data-testid={`slo-${slo.id}`}>
          <div className="row">
            <strong>{slo.id}</strong>
            <span className="muted">
              {slo.kind} ≥ {percent(slo.objective, 1)}
              {slo.latencyThresholdMs ? ` under ${slo.latencyThresholdMs} ms` : ""} over {slo.periodDays} d
              {slo.workflowId ? ` · workflow ${slo.workflowId.slice(0, 8)}` : " · all workflows"}
            </span>
          </div>
          <div className="budget" title={`${slo.periodBadEvents} bad of ${slo.periodEvents} runs`}>
            <div
              className={`budget-fill ${slo.budgetRemaining < 0.25 ? "low" : ""}`}
              style={{ width: `${Math.max(0, Math.min(1, slo.budgetRemaining)) * 100}%` }}
            />
          </div>
          <div className="muted">
            Error budget left: <strong>{percent(slo.budgetRemaining, 1)}</strong> · {slo.periodBadEvents} bad of {slo.periodEvents} runs
          </div>
          <table className="table compact">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Windows</th>
                <th>Factor</th>
                <th>Long burn</th>
                <th>Short burn</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {slo.burnRates.map((b) => (
                <tr key={b.rule}>
                  <td>{b.rule}</td>
                  <td>
                    {b.longWindowHours} h /{" "}
                    {b.shortWindowHours >= 1 ? `${b.shortWindowHours} h` : `${Math.round(b.shortWindowHours * 60)} min`}
                  </td>
                  <td>{b.factor}×</td>
                  <td>{b.longBurnRate.toFixed(2)}×</td>
                  <td>{b.shortBurnRate.toFixed(2)}×</td>
                  <td>{b.firing ? <Badge status="failed">{b.severity}</Badge> : <Badge status="completed">ok</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}

export function AlertList({ firing, resolved }: { firing: SloAlert[]; resolved: SloAlert[] }) {
  const all = [...firing, ...resolved];
  return (
    <section className="card card-pad stack" data-testid="alert-list">
      <h3>Alerts</h3>
      {all.length === 0 && <p className="muted">No alert in the last day.</p>}
      {all.map((a) => (
        <div key={a.id} className="row">
          {a.resolvedAt ? <Badge status="completed">resolved</Badge> : <Badge status="failed">{a.severity}</Badge>}
          <span>
            <strong>{a.sloId}</strong> {a.rule} · burn {a.longBurnRate.toFixed(1)}× / {a.shortBurnRate.toFixed(1)}×
          </span>
          <span className="muted">
            fired {when(a.firedAt)}
            {a.resolvedAt ? `, cleared ${when(a.resolvedAt)}` : ""}
          </span>
        </div>
      ))}
    </section>
  );
}
