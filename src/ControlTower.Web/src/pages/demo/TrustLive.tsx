import { lazy, Suspense, useEffect } from "react";
import { trustApi, type Threshold } from "../../api/trust";
import { Link } from "../../router";
import { Loading, useAsync } from "../../ui";
import { StageBadge } from "../TrustEvidence";

// The dispense scope's trust over time, from the Trust page's chart, reloaded as a simulation reports progress.

const TrustOverTime = lazy(() => import("../TrustCharts").then((m) => ({ default: m.TrustOverTime })));

const ladder = ["observe", "propose", "guarded_auto", "conditional_auto", "full_auto"];

export function TrustLive({ scopeKey, tick }: { scopeKey: string; tick: string }) {
  const { data, reload } = useAsync(() => trustApi.scope(scopeKey), [scopeKey]);
  // The tick changes as cases finish (coarsely), so the chart fills live without a request per case.
  useEffect(reload, [tick]);
  // Until the scope exists (the seeded refills propose their dispense a few seconds after the start), look again every 3 s.
  useEffect(() => {
    if (data) return;
    const timer = window.setInterval(reload, 3000);
    return () => window.clearInterval(timer);
  }, [data, reload]);
  if (!data)
    return (
      <section className="card card-pad">
        <h3>Trust over time</h3>
        <p className="muted small">The dispense scope appears at its first proposal.</p>
      </section>
    );
  const s = data.scope;
  const next = ladder[Math.min(ladder.length - 1, ladder.indexOf(s.stage) + 1)];
  const threshold = (s.thresholds[next] ?? s.thresholds["propose"]) as Threshold;
  return (
    <section className="card card-pad stack" data-testid="demo-trust">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h3>Trust over time: dispense</h3>
        <span className="row" data-testid="dispense-stage" data-stage={s.stage}>
          <StageBadge stage={s.stage} />
          <Link to={`/trust?scope=${encodeURIComponent(s.key)}`} className="small">
            details
          </Link>
        </span>
      </div>
      <Suspense fallback={<Loading label="Loading charts…" />}>
        {data.series.length > 1 ? (
          <TrustOverTime series={data.series} changes={data.changes} thresholds={threshold} />
        ) : (
          <p className="muted small">Not enough events for a chart yet.</p>
        )}
      </Suspense>
    </section>
  );
}
