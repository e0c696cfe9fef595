import { useCallback, useState } from "react";
import { governanceApi, type Execution } from "../../api/governance";
import { Link } from "../../router";
import { Badge, DiffValues, ErrorBox, Json, Loading, useAsync, useToast, when } from "../../ui";
import { ReasonDialog } from "./ReasonDialog";
import { AuthorizedBy, Reversibility, usePassed } from "./ExecutionParts";

/** A deep-linked execution older than the list shows. */
export function LoadedExecution({ id, canRollback, onChanged }: { id: string; canRollback: boolean; onChanged: () => void }) {
  const one = useAsync(() => governanceApi.execution(id), [id]);
  if (one.error != null) return <ErrorBox error={one.error} onRetry={one.reload} />;
  if (!one.data) return <Loading label="Loading the execution…" />;
  return (
    <div className="card card-pad">
      <ExecutionDetail
        e={one.data}
        canRollback={canRollback}
        onChanged={() => {
          one.reload();
          onChanged();
        }}
      />
    </div>
  );
}

export function ExecutionDetail({ e, canRollback, onChanged }: { e: Execution; canRollback: boolean; onChanged: () => void }) {
  const closed = usePassed(e.reversibleUntil);
  const [confirming, setConfirming] = useState(false);
  const close = useCallback(() => setConfirming(false), []);
  const [toast, say] = useToast();
  const reversible = e.status === "executed" && !!e.compensationTool && !!e.reversibleUntil && !closed;
  const rollback = async (reason: string) => {
    try {
      await governanceApi.rollback(e.id, reason);
    } catch (err) {
      // A refusal (window closed, already rolled back) means the list is stale: refresh it behind the dialog.
      onChanged();
      throw err;
    }
    setConfirming(false);
    say("Rolled back: the compensating call ran");
    onChanged();
  };
  return (
    <div className="stack gov-detail" data-testid="execution-detail">
      <dl className="gov-facts">
        <dt>Run</dt>
        <dd>
          <Link to={`/runs/${e.runId}`} className="mono">
            {e.runId.slice(0, 8)}
          </Link>{" "}
          · node <code>{e.nodeId}</code> · attempt {e.attempt}
        </dd>
        <dt>Call</dt>
        <dd className="mono small">
          {e.server}/{e.tool}
        </dd>
        <dt>Authorized by</dt>
        <dd>
          <AuthorizedBy e={e} /> <span className="muted small mono">{e.authorizedBy}</span>
        </dd>
        <dt>Executed</dt>
        <dd>{new Date(e.createdAt).toLocaleString()}</dd>
        <dt>Undo</dt>
        <dd>
          {e.compensationTool ? (
            <>
              <span className="mono small">
                {e.server}/{e.compensationTool}
              </span>
              {e.reversibleUntil && (
                <>
                  {" "}
                  · until {new Date(e.reversibleUntil).toLocaleString()} · <Reversibility e={e} />
                </>
              )}
            </>
          ) : (
            <span className="muted">none declared: this action cannot be rolled back here</span>
          )}
        </dd>
        {e.rolledBackAt && (
          <>
            <dt>Rolled back</dt>
            <dd>
              by <strong>{e.rolledBackBy}</strong> {when(e.rolledBackAt)}: “{e.rollbackReason}”
            </dd>
          </>
        )}
        {e.status === "rolling_back" && e.rollbackStartedAt && (
          <>
            <dt>Rolling back</dt>
            <dd>
              started by <strong>{e.rollbackStartedBy}</strong> {when(e.rollbackStartedAt)}; if it stopped, it may be retried after{" "}
              {e.rollbackLeaseUntil ? new Date(e.rollbackLeaseUntil).toLocaleTimeString() : "its lease"}
            </dd>
          </>
        )}
        {e.lastRollbackError && e.status !== "rolled_back" && (
          <>
            <dt>Last rollback</dt>
            <dd data-testid="last-rollback-error">
              <span className="field-error">failed</span> <code className="code-chip">{e.lastRollbackError.code}</code>{" "}
              {e.lastRollbackError.message}{" "}
              <span className="muted">
                · {e.lastRollbackError.by} {when(e.lastRollbackError.at)}
              </span>
            </dd>
          </>
        )}
      </dl>

      <div>
        <h4 className="gov-h4">What changed</h4>
        {e.diff === null ? (
          <p className="muted small">
            The action declares no <code>readState</code> tool, so there is no before/after state to compare.
          </p>
        ) : e.diff.length === 0 ? (
          <p className="muted small">The state read before and after the call is the same.</p>
        ) : (
          <div data-testid="execution-diff">
            {e.diff.map((c, i) => (
              <div className="diff-item" key={i}>
                <div>
                  <Badge status={c.op === "removed" ? "failed" : c.op === "added" ? "completed" : "waiting"}>{c.op}</Badge>
                </div>
                <div>
                  <div className="mono small">{c.path || "/"}</div>
                  <DiffValues before={c.before} after={c.after} />
                </div>
              </div>
            ))}
          </div>
        )}
      </div>

      <details className="gov-more">
        <summary>Arguments, result and full states</summary>
        <div className="grid-2">
          <div>
            <h4 className="gov-h4">Arguments</h4>
            <Json value={e.arguments} />
          </div>
          <div>
            <h4 className="gov-h4">Result</h4>
            <Json value={e.result} />
          </div>
          <div>
            <h4 className="gov-h4">State before</h4>
            <Json value={e.before} />
          </div>
          <div>
            <h4 className="gov-h4">State after</h4>
            <Json value={e.after} />
          </div>
          {e.compensationTool && (
            <div>
              <h4 className="gov-h4">Compensation arguments</h4>
              <Json value={e.compensationArguments} />
            </div>
          )}
          {e.rollbackResult != null && (
            <div>
              <h4 className="gov-h4">Rollback result</h4>
              <Json value={e.rollbackResult} />
            </div>
          )}
        </div>
      </details>

      {reversible && (
        <div className="row gov-rollback">
          {canRollback ? (
            <button className="btn danger" onClick={() => setConfirming(true)} data-testid="rollback">
              Roll back…
            </button>
          ) : (
            <span className="muted small">Operators and admins can roll this back while the window is open.</span>
          )}
        </div>
      )}
      {confirming && (
        <ReasonDialog
          title="Roll back this action"
          confirmLabel="Roll back"
          danger
          onConfirm={rollback}
          onClose={close}
          placeholder="e.g. the patient withdrew the request"
        >
          <p>
            Runs the compensating call{" "}
            <code>
              {e.server}/{e.compensationTool}
            </code>{" "}
            once. It cannot be undone, and the workflow run is not re-run.
          </p>
          {e.compensationArguments != null && <Json value={e.compensationArguments} />}
        </ReasonDialog>
      )}
      {toast}
    </div>
  );
}
