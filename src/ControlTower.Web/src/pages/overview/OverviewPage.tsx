import { lazy, Suspense, useState } from "react";
import { ErrorBox, Loading, PageHeader, duration } from "../../ui";
import { AlertList, SloPanel } from "./SloPanel";
import { operationsApi } from "../../api/operations";
import { usePolling } from "./usePolling";

// recharts comes in its own chunk, when the Overview opens.
const ThroughputChart = lazy(() => import("./OverviewCharts").then((m) => ({ default: m.ThroughputChart })));
const LatencyChart = lazy(() => import("./OverviewCharts").then((m) => ({ default: m.LatencyChart })));
const QueueChart = lazy(() => import("./OverviewCharts").then((m) => ({ default: m.QueueChart })));
const ErrorsChart = lazy(() => import("./OverviewCharts").then((m) => ({ default: m.ErrorsChart })));

const windows = ["15m", "1h", "6h", "24h"];

function Kpi({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId: string }) {
  return (
    <div className="card card-pad kpi" data-testid={testId}>
      <div className="muted">{label}</div>
      <div className="kpi-value">{value}</div>
      {hint && <div className="muted kpi-hint">{hint}</div>}
    </div>
  );
}

/** The landing page outside demo mode: how the engine is doing now, refreshed live. */
export function OverviewPage() {
  const [window, setWindow] = useState("1h");
  const summary = usePolling(() => operationsApi.summary(window), 10_000, [window]);
  const slos = usePolling(() => operationsApi.slos(), 30_000, []);
  const alerts = usePolling(() => operationsApi.alerts(), 30_000, []);
  const s = summary.data;
  if (!s) return summary.error ? <ErrorBox error={summary.error} /> : <Loading label="Loading metrics…" />;
  // The run table sees every process; the in-process figures only this one. Show the wider view.
  const runs = s.database;
  // Latency from the run instrument: the run table stamps a run that ends inside its start with the start's time.
  const latency = s.process.latency;
  return (
    <div className="stack overview" data-testid="overview">
      <PageHeader
        title="Overview"
        subtitle={`Last ${s.window}, refreshed ${summary.refreshedAt?.toLocaleTimeString() ?? ""}`}
        actions={
          <div className="row" role="group" aria-label="Window">
            {windows.map((w) => (
              <button
                key={w}
                className={`btn sm ${w === window ? "primary" : ""}`}
                onClick={() => setWindow(w)}
                aria-pressed={w === window}
              >
                {w}
              </button>
            ))}
          </div>
        }
      />
      <div className="kpis">
        <Kpi
          testId="kpi-throughput"
          label="Throughput"
          value={`${runs.throughputPerMinute.toFixed(2)}/min`}
          hint={`${runs.completed} completed, ${runs.failed} failed`}
        />
        <Kpi
          testId="kpi-latency"
          label="Latency p50 / p95 / p99"
          value={`${duration(latency.p50)} / ${duration(latency.p95)} / ${duration(latency.p99)}`}
          hint={`${latency.count} runs in this process`}
        />
        <Kpi
          testId="kpi-errors"
          label="Error rate"
          value={`${(runs.errorRate * 100).toFixed(1)} %`}
          hint={runs.errors[0] ? `most: ${runs.errors[0].code}` : "no failures"}
        />
        <Kpi
          testId="kpi-queue"
          label="Queue"
          value={`${s.queue.dueTasks} due`}
          hint={`${s.queue.runningAttempts} running · ${s.queue.parked} parked`}
        />
        <Kpi
          testId="kpi-saturation"
          label="Worker saturation"
          value={`${Math.round(s.queue.saturation * 100)} %`}
          hint={`${s.queue.busySlots}/${s.queue.slots} slots`}
        />
        <Kpi testId="kpi-approvals" label="Approvals waiting" value={String(s.queue.approvalsWaiting)} />
      </div>
      <Suspense fallback={<Loading label="Loading charts…" />}>
        <div className="grid-2">
          <ThroughputChart series={s.series} />
          <LatencyChart series={s.series} />
          <QueueChart series={s.series} />
          <ErrorsChart errors={runs.errors} />
        </div>
      </Suspense>
      <div className="grid-2">
        {slos.data ? (
          <SloPanel slos={slos.data.slos} revision={slos.data.configRevision} />
        ) : slos.error ? (
          <ErrorBox error={slos.error} />
        ) : (
          <Loading />
        )}
        <AlertList firing={alerts.data?.firing ?? []} resolved={alerts.data?.recentlyResolved ?? []} />
      </div>
    </div>
  );
}
