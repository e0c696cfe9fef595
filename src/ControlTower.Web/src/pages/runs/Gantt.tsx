import type { NodeAttempt, RunNode } from "../../api/runs";
import { duration } from "../../ui";

/** Node attempts on one time axis: where the run spent its time, and the retries. */
export function Gantt({ attempts: raw, nodes, onSelect }: { attempts: NodeAttempt[]; nodes: RunNode[]; onSelect: (id: string) => void }) {
  // A parked attempt (timer, approval) is finished by the engine on the node, not always on the attempt row.
  const attempts = raw.map((a) => {
    const node = nodes.find((n) => n.nodeId === a.nodeId && n.attempt === a.attempt);
    if (a.finishedAt || !node?.finishedAt || !["succeeded", "failed", "cancelled", "skipped"].includes(node.status)) return a;
    return {
      ...a,
      status: node.status,
      finishedAt: node.finishedAt,
      durationMs: new Date(node.finishedAt).getTime() - new Date(a.startedAt).getTime(),
    };
  });
  if (attempts.length === 0) return <div className="gantt muted small">The timeline fills in as nodes run.</div>;
  const now = Date.now();
  const starts = attempts.map((a) => new Date(a.startedAt).getTime());
  const ends = attempts.map((a) => (a.finishedAt ? new Date(a.finishedAt).getTime() : now));
  const t0 = Math.min(...starts);
  const span = Math.max(1, Math.max(...ends) - t0);
  const rows = [...attempts].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.attempt - b.attempt);
  return (
    <div className="gantt" data-testid="gantt" aria-label="Timeline">
      <div className="row small muted" style={{ justifyContent: "space-between", marginBottom: 4 }}>
        <strong>Timeline</strong>
        <span>{duration(span)} total</span>
      </div>
      {rows.map((a) => {
        const s = new Date(a.startedAt).getTime();
        const e = a.finishedAt ? new Date(a.finishedAt).getTime() : now;
        return (
          <div className="gantt-row" key={`${a.nodeId}:${a.attempt}`}>
            <button
              className="btn ghost sm mono"
              style={{ justifyContent: "flex-start", overflow: "hidden" }}
              onClick={() => onSelect(a.nodeId)}
            >
              {a.nodeId}
              {a.attempt > 1 ? ` #${a.attempt}` : ""}
            </button>
            <div className="gantt-track">
              <div
                className={`gantt-bar ${a.status}`}
                style={{ left: `${((s - t0) / span) * 100}%`, width: `${Math.max(0.4, ((e - s) / span) * 100)}%` }}
                title={`${a.status} · ${duration(a.durationMs ?? e - s)}`}
              />
            </div>
            <span className="mono">{duration(a.durationMs ?? (a.finishedAt ? e - s : null))}</span>
          </div>
        );
      })}
    </div>
  );
}
