import { useEffect, useState } from "react";
import { Badge, ErrorBox, Loading, Modal, useAsync, when } from "../../ui";
import { CanaryComparison } from "./CanaryComparison";
import { ReleaseForm } from "./ReleaseForm";
import { ShadowDiffs } from "./ShadowDiffs";
import { releasesApi, type Release, type ShadowReport } from "../../api/releases";

const modeLabel: Record<Release["mode"], string> = { latest: "latest version", direct: "direct", canary: "canary", shadow: "shadow" };

/**
 * The workflow's Releases panel: which version takes new runs, the canary's share and its comparison with stable, the
 * shadow's per-node diffs, a form to release a version and a one-click rollback. It refreshes every 5 s while open.
 */
export function ReleasesPanel({ workflowId, canWrite, onClose }: { workflowId: string; canWrite: boolean; onClose: () => void }) {
  const { data, error, reload, setData } = useAsync(
    () => Promise.all([releasesApi.get(workflowId), releasesApi.shadowReport(workflowId)]),
    [workflowId],
  );
  useEffect(() => {
    const t = setInterval(reload, 5000);
    return () => clearInterval(t);
  }, [reload]);
  const [actionError, setActionError] = useState<unknown>(null);
  const changed = (release: Release) => data && setData([release, data[1]]);
  const rollback = async (version?: number) => {
    setActionError(null);
    try {
      changed(await releasesApi.rollback(workflowId, version ? { version } : {}));
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <Modal title="Releases" onClose={onClose} wide>
      {error != null && <ErrorBox error={error} onRetry={reload} />}
      {!data && !error && <Loading label="Reading the release…" />}
      {data && (
        <ReleaseBody
          release={data[0]}
          shadow={data[1]}
          canWrite={canWrite}
          actionError={actionError}
          onRollback={rollback}
          onChanged={changed}
          workflowId={workflowId}
        />
      )}
    </Modal>
  );
}

function ReleaseBody({
  workflowId,
  release,
  shadow,
  canWrite,
  actionError,
  onRollback,
  onChanged,
}: {
  workflowId: string;
  release: Release;
  shadow: ShadowReport;
  canWrite: boolean;
  actionError: unknown;
  onRollback: (version?: number) => void;
  onChanged: (r: Release) => void;
}) {
  const rollbackTarget =
    release.candidateVersion !== null
      ? release.stableVersion
      : (release.previousStableVersion ?? (release.mode === "latest" && release.stableVersion > 1 ? release.stableVersion - 1 : null));
  return (
    <div className="stack" data-testid="releases-panel">
      {actionError != null && <ErrorBox error={actionError} />}
      <section data-testid="release-current">
        <div className="row" style={{ alignItems: "center", gap: 8 }}>
          <Badge status={release.mode === "canary" || release.mode === "shadow" ? "waiting" : "completed"}>{modeLabel[release.mode]}</Badge>
          <strong data-testid="release-stable">v{release.stableVersion} takes new runs</strong>
          {release.candidateVersion !== null && (
            <span>
              · candidate <strong data-testid="release-candidate">v{release.candidateVersion}</strong> ({release.mode})
            </span>
          )}
          <div style={{ flex: 1 }} />
          {canWrite && rollbackTarget !== null && (
            <button className="btn danger sm" onClick={() => onRollback()} data-testid="release-rollback">
              {release.candidateVersion !== null
                ? `Stop ${release.mode}: all runs to v${rollbackTarget}`
                : `Roll back to v${rollbackTarget}`}
            </button>
          )}
        </div>
        {release.mode === "latest" && (
          <p className="notice small" data-testid="release-latest-hint">
            No release is set: every saved version takes new runs at once. Release a version directly to pin it; new versions can then go
            out as a canary or in shadow.
          </p>
        )}
        {release.lastDecision && (
          <p className="small" data-testid="release-decision">
            <span className="muted">Last decision:</span> {release.lastDecision}
          </p>
        )}
        {release.updatedBy && (
          <p className="muted small">
            Changed by {release.updatedBy} · {when(release.updatedAt)}. Runs already started finish on the version they pinned.
          </p>
        )}
      </section>
      {release.canary && <CanaryComparison canary={release.canary} />}
      {(release.mode === "shadow" || shadow.candidateVersion !== null) && <ShadowDiffs report={shadow} />}
      {canWrite && <ReleaseForm workflowId={workflowId} release={release} onChanged={onChanged} />}
    </div>
  );
}
