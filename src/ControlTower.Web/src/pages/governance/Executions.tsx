import { Fragment, useCallback, useEffect, useState } from "react";
import { cached } from "../../api";
import { approvalsApi, type Approval } from "../../api/approvals";
import { governanceApi, type Execution } from "../../api/governance";
import { Link, navigate } from "../../router";
import { Badge, DiffValues, Empty, ErrorBox, Json, Loading, useAsync, useToast, when } from "../../ui";
import { ReasonDialog } from "./ReasonDialog";
import { parseScope } from "./scope";

/** True once `iso` has passed; re-renders exactly once, when it passes. */
function usePassed(iso: string | null): boolean {
  const at = iso ? new Date(iso).getTime() : null;
  const [passed, setPassed] = useState(() => at !== null && at <= Date.now());
  useEffect(() => {
    if (at === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // setTimeout waits at most 2^31-1 ms (about 24 days): a longer window re-arms until it has really passed.
    const arm = () => {
      const left = at - Date.now();
      setPassed(left <= 0);
      if (left > 0) timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
    };
    arm();
    return () => clearTimeout(timer);
  }, [at]);
  return passed;
}

function left(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s >= 86400) return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${s} s`;
}

/** A live "time left" that ticks every second (only this element re-renders). */
function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const ms = new Date(until).getTime() - now;
  return ms > 0 ? (
    <span className="gov-countdown" title={`Reversible until ${new Date(until).toLocaleString()}`} data-testid="countdown">
      ⟲ {left(ms)} left
    </span>
  ) : (
    <span className="muted small">window closed</span>
  );
}

function Reversibility({ e }: { e: Execution }) {
  const closed = usePassed(e.reversibleUntil);
  if (e.status === "rolled_back")
    return (
      <span className="small">
        <Badge status="cancelled">rolled back</Badge> <span className="muted">{when(e.rolledBackAt)}</span>
      </span>
    );
  if (e.status === "rolling_back") return <Badge status="running">rolling back…</Badge>;
  if (!e.compensationTool || !e.reversibleUntil) return <span className="muted small">not reversible</span>;
  if (closed)
    return (
      <span className="muted small" title={`Was reversible until ${new Date(e.reversibleUntil).toLocaleString()}`}>
        window closed
      </span>
    );
  return <Countdown until={e.reversibleUntil} />;
}

function ExecutionStatus({ status }: { status: string }) {
  const tone: Record<string, string> = { executed: "succeeded", rolling_back: "running", rolled_back: "cancelled" };
  return <Badge status={tone[status] ?? status}>{status.replace(/_/g, " ")}</Badge>;
}

// Several rows may show the same approval: one request each, from the identity's cache.
function loadApproval(id: string): Promise<Approval | null> {
  return cached(`/api/approvals/${id}`, () => approvalsApi.getIfAny(id)).catch(() => null);
}

/** Who let an action run: the people who approved it, or the gate that authorized it. */
function AuthorizedBy({ e }: { e: Execution }) {
  const [approval, setApproval] = useState<Approval | null>(null);
  useEffect(() => {
    let live = true;
    if (e.approvalId) loadApproval(e.approvalId).then((a) => live && setApproval(a));
    return () => {
      live = false;
    };
  }, [e.approvalId]);
  if (e.approvalId) {
    const approvers = approval?.decisions.filter((d) => d.decision === "approve").map((d) => d.decidedBy) ?? [];
    return (
      <span className="small">
        {approvers.length ? (
          <>
            approved by <strong>{approvers.join(", ")}</strong>
          </>
        ) : (
          <>
            approval <span className="mono">{e.approvalId.slice(0, 8)}</span>
          </>
        )}
      </span>
    );
  }
  const gate = e.authorizedBy.startsWith("gate:") ? e.authorizedBy.slice(5) : null;
  return gate ? (
    <span className="small" title={gate}>
      gate <strong>{parseScope(gate).actionType ?? "any action"}</strong>
    </span>
  ) : (
    <span className="small mono">{e.authorizedBy}</span>
  );
}

export function ExecutionsTab({ canRollback, openId }: { canRollback: boolean; openId: string | null }) {
  const list = useAsync(() => governanceApi.executions(200), []);
  const open = (id: string) => navigate(openId === id ? "/governance?tab=executions" : `/governance?tab=executions&execution=${id}`, true);
  const listed = list.data?.some((e) => e.id === openId) ?? false;
  return (
    <div className="stack">
      <div className="row gov-section-head">
        <p className="muted small">
          Governed actions that ran, newest first. Open one to see what it changed; roll it back while its undo window is open.
        </p>
        <button className="btn" onClick={list.reload}>
          Refresh
        </button>
      </div>
      {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading label="Loading executions…" />}
      {openId && list.data && !listed && <LoadedExecution id={openId} canRollback={canRollback} onChanged={list.reload} />}
      {list.data && list.data.length === 0 && (
        <Empty title="No governed action has run yet">
          Add a <code>governed.action</code> node to a workflow: it proposes a tool call, governance judges it (kill switch, rules, gate),
          and once it runs it is listed here with its before/after diff.
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="executions-table">
            <thead>
              <tr>
                <th>Status</th>
                <th>Action</th>
                <th>Server / tool</th>
                <th>Authorized by</th>
                <th>Executed</th>
                <th>Reversible</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((e) => (
                <Fragment key={e.id}>
                  <tr
                    className="gov-clickable"
                    data-testid="execution-row"
                    data-execution={e.id}
                    tabIndex={0}
                    aria-expanded={openId === e.id}
                    onClick={() => open(e.id)}
                    onKeyDown={(k) => {
                      if (k.key === "Enter" || k.key === " ") {
                        k.preventDefault();
                        open(e.id);
                      }
                    }}
                  >
                    <td>
                      <ExecutionStatus status={e.status} />
                    </td>
                    <td>
                      <strong>{e.actionType}</strong>
                      <div className="muted small">
                        run <span className="mono">{e.runId.slice(0, 8)}</span> · node <code>{e.nodeId}</code>
                      </div>
                    </td>
                    <td className="mono small">
                      {e.server}/{e.tool}
                    </td>
                    <td>
                      <AuthorizedBy e={e} />
                    </td>
                    <td className="muted" title={new Date(e.createdAt).toLocaleString()}>
                      {when(e.createdAt)}
                    </td>
                    <td>
                      <Reversibility e={e} />
                    </td>
                  </tr>
                  {openId === e.id && (
                    <tr className="gov-detail-row">
                      <td colSpan={6}>
                        <ExecutionDetail e={e} canRollback={canRollback} onChanged={list.reload} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** A deep-linked execution older than the list shows. */
function LoadedExecution({ id, canRollback, onChanged }: { id: string; canRollback: boolean; onChanged: () => void }) {
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

function ExecutionDetail({ e, canRollback, onChanged }: { e: Execution; canRollback: boolean; onChanged: () => void }) {
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
