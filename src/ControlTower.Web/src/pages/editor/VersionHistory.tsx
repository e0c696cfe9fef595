import { useEffect, useState } from "react";
import type { NodeType } from "../../api/nodeTypes";
import { workflowsApi, type GraphChange, type VersionInfo, type Graph } from "../../api/workflows";
import { Badge, DiffValues, ErrorBox, Loading, Modal, when } from "../../ui";
import { VersionDiffCanvas } from "../../versionDiff";

export function HistoryDialog({
  workflowId,
  latest,
  types,
  onClose,
}: {
  workflowId: string;
  latest: number;
  types: Map<string, NodeType>;
  onClose: () => void;
}) {
  return (
    <Modal title="Version history" onClose={onClose} wide>
      <VersionHistory workflowId={workflowId} latest={latest} types={types} />
    </Modal>
  );
}

/** The versions of a workflow and the changes between two of them (the editor's History dialog and the Versions tab). */
export function VersionHistory({ workflowId, latest, types }: { workflowId: string; latest: number; types: Map<string, NodeType> }) {
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [from, setFrom] = useState(Math.max(1, latest - 1));
  const [to, setTo] = useState(latest);
  const [compared, setCompared] = useState<{ changes: GraphChange[]; from: Graph; to: Graph } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    workflowsApi.versions(workflowId).then(setVersions, setError);
  }, [workflowId]);
  useEffect(() => {
    let live = true;
    setCompared(null);
    const graphOf = (v: number) => workflowsApi.version(workflowId, v).then((d) => d.graph);
    Promise.all([
      from === to ? Promise.resolve({ changes: [] as GraphChange[] }) : workflowsApi.diff(workflowId, from, to),
      graphOf(from),
      from === to ? null : graphOf(to),
    ]).then(
      ([d, before, after]) => {
        if (live) setCompared({ changes: d.changes, from: before, to: after ?? before });
      },
      (e) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [workflowId, from, to]);
  const diff = compared?.changes ?? null;
  return (
    <>
      {error != null && <ErrorBox error={error} />}
      {!versions ? (
        <Loading />
      ) : (
        <>
          <div className="table-wrap" style={{ maxHeight: 200, marginBottom: 16 }}>
            <table className="table">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Author</th>
                  <th>Message</th>
                  <th>When</th>
                  <th>Compare</th>
                </tr>
              </thead>
              <tbody>
                {[...versions]
                  .sort((a, b) => b.version - a.version)
                  .map((v) => (
                    <tr key={v.version}>
                      <td className="mono">v{v.version}</td>
                      <td>{v.author}</td>
                      <td>{v.message ?? <span className="muted">—</span>}</td>
                      <td className="muted">{when(v.createdAt)}</td>
                      <td className="row">
                        <button className="btn sm" aria-pressed={from === v.version} onClick={() => setFrom(v.version)}>
                          {from === v.version ? "● from" : "from"}
                        </button>
                        <button className="btn sm" aria-pressed={to === v.version} onClick={() => setTo(v.version)}>
                          {to === v.version ? "● to" : "to"}
                        </button>
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
          <h3 style={{ marginBottom: 8 }}>
            Changes v{from} → v{to}
          </h3>
          {!compared ? <Loading /> : <VersionDiffCanvas from={compared.from} to={compared.to} changes={compared.changes} types={types} />}
          {diff &&
            (diff.length === 0 ? (
              <p className="muted">No differences.</p>
            ) : (
              <div data-testid="diff">
                {diff.map((c, i) => (
                  <div className="diff-item" key={i}>
                    <div>
                      <Badge status={c.kind.endsWith("removed") ? "failed" : c.kind.endsWith("added") ? "completed" : "waiting"}>
                        {c.kind.replace(/_/g, " ")}
                      </Badge>
                    </div>
                    <div>
                      <div className="mono small">
                        {c.subject}
                        {c.pointer}
                      </div>
                      <DiffValues before={c.before} after={c.after} />
                    </div>
                  </div>
                ))}
              </div>
            ))}
        </>
      )}
    </>
  );
}
