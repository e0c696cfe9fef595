import { lazy, Suspense, useState } from "react";
import { trustApi, type Scope, type Threshold } from "../api/trust";
import { navigate, useLocation } from "../router";
import { Empty, ErrorBox, Loading, PageHeader, useAsync, when } from "../ui";
import { StageBadge } from "./TrustEvidence";

// The Trust page: every scope with its stage and a sparkline, one scope's trust over time with its stage changes,
// and the model cards. The charts come from their own lazy chunk (recharts) so the first-load bundle stays lean.

const TrustOverTime = lazy(() => import("./TrustCharts").then((m) => ({ default: m.TrustOverTime })));
const ReliabilityDiagram = lazy(() => import("./TrustCharts").then((m) => ({ default: m.ReliabilityDiagram })));
const Importances = lazy(() => import("./TrustCharts").then((m) => ({ default: m.Importances })));

const ladder = ["observe", "propose", "guarded_auto", "conditional_auto", "full_auto"];
const pct = (v: number | null | undefined) => (v == null ? "—" : `${(v * 100).toFixed(0)}%`);

/** A tiny line of the scope's reliability lower bound over its window, drawn inline (no chart library needed). */
function Sparkline({ points }: { points: (number | null)[] }) {
  const values = points.filter((p): p is number => p != null);
  if (values.length < 2) return <span className="muted small">—</span>;
  const d = values.map((v, i) => `${(i / (values.length - 1)) * 100},${28 - v * 26}`).join(" ");
  return (
    <svg className="sparkline" width="100" height="30" viewBox="0 0 100 30" aria-label="reliability over time" data-testid="sparkline">
      <polyline points={d} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

function ScopeRow({ scope, selected, onSelect }: { scope: Scope; selected: boolean; onSelect: () => void }) {
  const detail = useAsync(() => trustApi.scope(scope.key), [scope.key]);
  const m = scope.metrics;
  return (
    <tr className={selected ? "selected" : ""} onClick={onSelect} style={{ cursor: "pointer" }} data-testid="trust-scope">
      <td>
        <div className="stack" style={{ gap: 2 }}>
          <strong>{scope.scope.actionType}</strong>
          <span className="small muted">
            {[scope.scope.tenant, scope.scope.site, scope.scope.queue, scope.scope.role].filter(Boolean).join(" · ")}
          </span>
        </div>
      </td>
      <td>
        <StageBadge stage={scope.stage} />
        {scope.pin && (
          <span className="gov-chip" title={scope.pin.reason}>
            pinned
          </span>
        )}
        {scope.killSwitch && <span className="gov-chip gov-chip-kill">kill switch</span>}
      </td>
      <td className="mono">
        {pct(m?.reliability.rate)}{" "}
        <span className="small muted">
          ≥{pct(m?.reliability.lower)} · n={m?.reliability.trials ?? 0}
        </span>
      </td>
      <td className="mono">
        {pct(m?.alignment.rate)}{" "}
        <span className="small muted">
          ≥{pct(m?.alignment.lower)} · n={m?.alignment.trials ?? 0}
        </span>
      </td>
      <td className="mono">{m?.ece == null ? "—" : m.ece.toFixed(3)}</td>
      <td className="mono">{m?.secondsSaved == null ? "—" : `${Math.round(m.secondsSaved / 60)} min`}</td>
      <td>
        <Sparkline points={detail.data?.series.map((p) => p.reliabilityLower) ?? []} />
      </td>
    </tr>
  );
}

function ScopePanel({ scopeKey }: { scopeKey: string }) {
  const { data, error, loading, reload } = useAsync(() => trustApi.scope(scopeKey), [scopeKey]);
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  if (loading || !data) return <Loading />;
  const s = data.scope;
  const next = ladder[Math.min(ladder.length - 1, ladder.indexOf(s.stage) + 1)];
  const threshold = (s.thresholds[next] ?? s.thresholds["propose"]) as Threshold;
  return (
    <section className="card card-pad stack" data-testid="trust-scope-detail">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h3>{s.key}</h3>
        <span className="row">
          <StageBadge stage={s.stage} />
          <span className="small muted">
            since {when(s.stageSince)} · policy {s.policyVersion}
          </span>
        </span>
      </div>
      <p className="small">
        {s.lastRule && <strong>{s.lastRule.replace(/_/g, " ")}: </strong>}
        {s.lastReasons?.join("; ")}
      </p>
      <p className="small muted">
        Gate: {s.gate.why} (cap {s.gate.cap.replace(/_/g, " ")}). Thresholds shown are those for {next.replace(/_/g, " ")}.
      </p>
      <Suspense fallback={<Loading label="Loading charts…" />}>
        {data.series.length > 1 ? (
          <TrustOverTime series={data.series} changes={data.changes} thresholds={threshold} />
        ) : (
          <p className="muted small">Not enough events for a chart yet.</p>
        )}
      </Suspense>
      <h4 className="gov-h4">Stage changes</h4>
      {data.changes.length === 0 ? (
        <p className="small muted">No stage change yet.</p>
      ) : (
        <ul className="trust-changes" data-testid="trust-changes">
          {data.changes.map((c) => (
            <li key={c.id}>
              <div className="row">
                <StageBadge stage={c.from} /> → <StageBadge stage={c.to} />
                <code>{c.rule}</code>
                <span className="small muted">
                  {when(c.at)} · {c.actor}
                </span>
              </div>
              <div className="small">{c.reasons.join("; ")}</div>
              {c.checks.length > 0 && (
                <div className="small muted mono">
                  {c.checks
                    .map(
                      (k) =>
                        `${k.name} ${k.value == null ? "n/a" : k.value.toFixed(3)} ${k.comparison} ${k.threshold.toFixed(3)} ${k.passed ? "✓" : "✗"}`,
                    )
                    .join(" · ")}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <h4 className="gov-h4">Recent events</h4>
      <div className="table-wrap">
        <table className="table small">
          <thead>
            <tr>
              <th>at</th>
              <th>kind</th>
              <th>result</th>
              <th>mode</th>
              <th>who</th>
              <th>proposal</th>
            </tr>
          </thead>
          <tbody>
            {data.events.slice(0, 15).map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <td>{e.kind}</td>
                <td>{e.result ?? "—"}</td>
                <td>{e.mode ?? "—"}</td>
                <td>{e.actor}</td>
                <td className="mono">{e.proposalId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ModelCards() {
  const { data, error, loading, reload } = useAsync(() => trustApi.models(), []);
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  if (loading || !data) return <Loading />;
  const active = data.models.filter((m) => m.active);
  return (
    <section className="stack" data-testid="trust-models">
      <h2>Models</h2>
      <p className="small muted">
        {data.check.lastTrainedAt
          ? `Last trained ${when(data.check.lastTrainedAt)}.`
          : "No model trained yet: predictions use the documented cold-start priors."}{" "}
        {data.check.retrain
          ? `Retrain due: ${data.check.reasons.join("; ")}.`
          : `Next retrain after ${data.check.eventsUntilCountTrigger} more events${data.check.nextAgeTrigger ? ` or at ${when(data.check.nextAgeTrigger)}` : ""}.`}
      </p>
      {active.length === 0 ? (
        <Empty title="No trained models">
          They train in the background once enough decided proposals exist, or an admin retrains them.
        </Empty>
      ) : (
        <div className="trust-models">
          {active.map((m) => (
            <article key={m.id} className="card card-pad stack" data-testid="model-card">
              <div className="row" style={{ justifyContent: "space-between" }}>
                <strong>{m.kind}</strong>
                {m.inUse && <span className="gov-chip">in use</span>}
              </div>
              <code className="small">{m.version}</code>
              <div className="small">
                trained {when(m.trainedAt)} on {m.manifest.dataset.rows} rows
              </div>
              <div className="row small">
                <span>
                  AUC <strong>{m.manifest.metrics.auc?.toFixed(3) ?? "—"}</strong>
                </span>
                <span>
                  ECE <strong>{m.manifest.metrics.ece?.toFixed(3) ?? "—"}</strong>
                </span>
                <span>
                  Brier <strong>{m.manifest.metrics.brier?.toFixed(3) ?? "—"}</strong>
                </span>
                {m.manifest.metrics.calibration && <span>{m.manifest.metrics.calibration}</span>}
                {m.manifest.metrics.trees && (
                  <span title="leaves per tree × trees, chosen by cross-fitting">
                    {m.manifest.metrics.trees.leaves} leaves × {m.manifest.metrics.trees.trees} trees
                  </span>
                )}
              </div>
              <Suspense fallback={<Loading label="Loading charts…" />}>
                {m.manifest.metrics.reliability.length > 0 && <ReliabilityDiagram bins={m.manifest.metrics.reliability} />}
                {m.manifest.metrics.importances.length > 0 && <Importances items={m.manifest.metrics.importances} />}
              </Suspense>
            </article>
          ))}
        </div>
      )}
    </section>
  );
}

export function TrustPage() {
  const { query } = useLocation();
  const { data, error, loading, reload } = useAsync(() => trustApi.scopes(), []);
  const [selected, setSelected] = useState<string | null>(query.get("scope"));
  const select = (key: string) => {
    setSelected(key);
    navigate(`/trust?scope=${encodeURIComponent(key)}`, true);
  };
  return (
    <div className="stack">
      <PageHeader title="Trust" subtitle="How much each action scope may run without a person, earned from its decisions and outcomes." />
      {error != null && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && data.length === 0 && (
        <Empty title="No trust scopes yet">A governed action with a scope creates one at its first proposal.</Empty>
      )}
      {data && data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="trust-scopes">
            <thead>
              <tr>
                <th>Scope</th>
                <th>Stage</th>
                <th>Reliability</th>
                <th>Alignment</th>
                <th>ECE</th>
                <th>Time saved</th>
                <th>Trend</th>
              </tr>
            </thead>
            <tbody>
              {data.map((s) => (
                <ScopeRow key={s.key} scope={s} selected={s.key === selected} onSelect={() => select(s.key)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected && <ScopePanel scopeKey={selected} />}
      <ModelCards />
    </div>
  );
}
