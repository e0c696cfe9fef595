import { Link } from "../../router";
import { Badge, when } from "../../ui";
import type { ShadowReport } from "../../api/releases";

/** The shadow's accumulated report: per node, how many compared shadow runs differed from their live run. */
export function ShadowDiffs({ report }: { report: ShadowReport }) {
  if (report.candidateVersion === null) return <p className="muted small">No shadow has run for this workflow yet.</p>;
  return (
    <section data-testid="shadow-report">
      <h4 className="inspector-section">Shadow of v{report.candidateVersion}</h4>
      <p className="small" data-testid="shadow-summary">
        {report.shadowRuns} live run{report.shadowRuns === 1 ? "" : "s"} shadowed, {report.compared} compared,{" "}
        <strong>{report.withDifferences}</strong> with differences
        {report.refused > 0 && (
          <>
            , <strong className="field-error">{report.refused}</strong> the candidate could not replay
          </>
        )}
        . Side effects were answered from each live run's recorded results: the shadow called nothing.
      </p>
      {report.nodes.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Shadow differences per node">
            <thead>
              <tr>
                <th>Node</th>
                <th>Type</th>
                <th>Compared</th>
                <th>Differed</th>
              </tr>
            </thead>
            <tbody>
              {report.nodes.map((n) => (
                <tr key={n.nodeId} data-testid={`shadow-node-${n.nodeId}`}>
                  <td className="mono">{n.nodeId}</td>
                  <td className="muted small">{n.nodeType ?? "—"}</td>
                  <td>{n.compared}</td>
                  <td>{n.differing > 0 ? <Badge status="waiting">{n.differing}</Badge> : <Badge status="completed">0</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report.recent.length > 0 && (
        <details className="small">
          <summary>Recent shadow runs</summary>
          <ul>
            {report.recent.map((r) => (
              <li key={r.liveRunId}>
                <Link to={`/runs/${r.liveRunId}`}>live</Link> ·{" "}
                {r.shadowRunId ? <Link to={`/runs/${r.shadowRunId}`}>shadow</Link> : <code>{r.refusedCode}</code>} · {when(r.createdAt)} ·{" "}
                {r.refusedCode
                  ? "not replayable on the candidate"
                  : r.compared
                    ? `${r.differences} node${r.differences === 1 ? "" : "s"} differ`
                    : "running"}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
