import type { GraphProblem, VersionInfo } from "../../api/workflows";
import { when } from "../../ui";

/** The settings panel with no node selected: how to connect nodes, the graph-wide problems, and the version shown. */
export function WorkflowOverview({
  version,
  problems,
  graphProblems,
  nodeCount,
  edgeCount,
}: {
  version: VersionInfo;
  problems: GraphProblem[];
  graphProblems: GraphProblem[];
  nodeCount: number;
  edgeCount: number;
}) {
  return (
    <div>
      <h3>Workflow</h3>
      <p className="muted small" style={{ marginBottom: 12 }}>
        Select a node to edit its settings. Connect an outcome handle (right) to an input (left); the red <code>error</code> handle catches
        failures.
      </p>
      {graphProblems.length > 0 && (
        <ul className="problems" aria-label="Workflow problems">
          {graphProblems.map((p, i) => (
            <li key={i}>
              <code>{p.code}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
      {problems.length === 0 && <p className="field-ok">✓ The workflow is valid.</p>}
      <dl className="small">
        <dt className="muted">Version</dt>
        <dd>
          v{version.version} by {version.author} · {when(version.createdAt)}
        </dd>
        {version.message && (
          <>
            <dt className="muted">Message</dt>
            <dd>{version.message}</dd>
          </>
        )}
        <dt className="muted">Nodes / edges</dt>
        <dd>
          {nodeCount} / {edgeCount}
        </dd>
      </dl>
    </div>
  );
}
