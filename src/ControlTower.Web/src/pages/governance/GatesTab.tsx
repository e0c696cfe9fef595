import { useCallback, useState } from "react";
import { workflowsApi } from "../../api/workflows";
import { Empty, ErrorBox, Loading, useAsync, useToast, when } from "../../ui";
import { ReasonDialog } from "./ReasonDialog";
import { killSwitchKey, historyLimit } from "./types";
import { governanceApi, type Gate } from "../../api/governance";
import { ScopeLabel, describeScope, GateState, HistoryTable, AddGateDialog } from "./GateParts";

export function GatesTab({ admin, changes, onChanged }: { admin: boolean; changes: number; onChanged: () => void }) {
  const gates = useAsync(() => governanceApi.gates(), [changes]);
  const workflows = useAsync(() => workflowsApi.list(), []);
  const [scope, setScope] = useState("");
  const history = useAsync(() => {
    const q = new URLSearchParams({ limit: String(historyLimit) });
    if (scope) q.set("scopeKey", scope);
    return governanceApi.gateHistory(q);
  }, [scope, changes]);
  const [toggling, setToggling] = useState<Gate | null>(null);
  const [adding, setAdding] = useState(false);
  const closeToggle = useCallback(() => setToggling(null), []);
  const closeAdd = useCallback(() => setAdding(false), []);
  const [toast, say] = useToast();
  const names = new Map((workflows.data ?? []).map((w) => [w.id, w.name]));

  const toggle = async (reason: string) => {
    const g = toggling!;
    await governanceApi.setGate({
      workflowId: g.workflowId,
      nodeType: g.nodeType,
      actionType: g.actionType,
      authorized: !g.authorized,
      reason,
    });
    setToggling(null);
    say(`${describeScope(g.scopeKey, names)}: ${g.authorized ? "revoked" : "authorized"}`);
    onChanged();
  };

  const scopes = [...new Set([...(gates.data ?? []).map((g) => g.scopeKey), ...(scope && scope !== killSwitchKey ? [scope] : [])])];
  return (
    <div className="stack gov-sections">
      <section className="stack">
        <div className="row gov-section-head">
          <div>
            <h3>Gates</h3>
            <p className="muted small">
              A gate lets governed actions in its scope run without a person (authorized) or sends them to approval (revoked). The most
              specific gate decides; a tie goes to revoked; no gate means a person approves.
            </p>
          </div>
          {admin && (
            <button className="btn primary" onClick={() => setAdding(true)} data-testid="add-gate">
              + Add gate
            </button>
          )}
        </div>
        {gates.error != null && <ErrorBox error={gates.error} onRetry={gates.reload} />}
        {gates.loading && !gates.data && <Loading label="Loading gates…" />}
        {gates.data && gates.data.length === 0 && (
          <Empty
            title="No gates yet"
            action={
              admin ? (
                <button className="btn primary" onClick={() => setAdding(true)}>
                  Add a gate
                </button>
              ) : undefined
            }
          >
            Every governed action waits for a person's approval.{" "}
            {admin
              ? "Add a gate to let an action type you trust run on its own."
              : "An admin can add a gate to let trusted actions run on their own."}
          </Empty>
        )}
        {gates.data && gates.data.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="gates-table">
              <thead>
                <tr>
                  <th>Scope</th>
                  <th>Automation</th>
                  <th>Reason</th>
                  <th>By</th>
                  <th>When</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {gates.data.map((g) => (
                  <tr key={g.scopeKey} data-testid="gate-row" data-scope={g.scopeKey}>
                    <td>
                      <ScopeLabel scopeKey={g.scopeKey} names={names} />
                    </td>
                    <td>
                      <div className="row">
                        <button
                          className="switch"
                          role="switch"
                          aria-checked={g.authorized}
                          disabled={!admin}
                          data-testid="gate-switch"
                          aria-label={`${g.authorized ? "Revoke" : "Authorize"} automation for ${describeScope(g.scopeKey, names)}`}
                          title={admin ? undefined : "Only admins can change gates"}
                          onClick={() => setToggling(g)}
                        />
                        <GateState authorized={g.authorized} />
                      </div>
                    </td>
                    <td className="small">{g.reason}</td>
                    <td>{g.updatedBy}</td>
                    <td className="muted gov-nowrap">{when(g.updatedAt)}</td>
                    <td>
                      <button
                        className="btn sm"
                        onClick={() => setScope(g.scopeKey)}
                        aria-label={`History of ${describeScope(g.scopeKey, names)}`}
                      >
                        History
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="stack" aria-label="Gate history">
        <div className="row gov-section-head">
          <div>
            <h3>History</h3>
            <p className="muted small">Every change of a gate or of the kill switch, newest first, with who made it and why.</p>
          </div>
          <label className="row small">
            Scope
            <select
              value={scope}
              onChange={(e) => setScope(e.target.value)}
              aria-label="Filter history by scope"
              data-testid="history-scope"
              style={{ maxWidth: 420 }}
            >
              <option value="">all scopes</option>
              <option value={killSwitchKey}>kill switch</option>
              {scopes.map((s) => (
                <option key={s} value={s}>
                  {describeScope(s, names)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {history.error != null && <ErrorBox error={history.error} onRetry={history.reload} />}
        {history.loading && !history.data && <Loading label="Loading history…" />}
        {history.data && history.data.length === 0 && (
          <Empty title={scope ? "No changes in this scope" : "No changes yet"}>
            {scope
              ? "Pick “all scopes” to see every change."
              : "When an admin adds or flips a gate, or engages the kill switch, the change appears here."}
          </Empty>
        )}
        {history.data && history.data.length > 0 && <HistoryTable rows={history.data} names={names} />}
      </section>

      {toggling && (
        <ReasonDialog
          title={toggling.authorized ? "Revoke automation" : "Authorize automation"}
          confirmLabel={toggling.authorized ? "Revoke" : "Authorize"}
          danger={toggling.authorized}
          onConfirm={toggle}
          onClose={closeToggle}
          placeholder={toggling.authorized ? "e.g. two wrong refills this week" : "e.g. 200 approvals without a rejection"}
        >
          <p>
            {toggling.authorized
              ? "Governed actions in this scope will wait for a person's approval again."
              : "Governed actions in this scope will run without a person, unless a rule requires approval."}
          </p>
          <p style={{ marginTop: 8 }}>
            <ScopeLabel scopeKey={toggling.scopeKey} names={names} />
          </p>
        </ReasonDialog>
      )}
      {adding && (
        <AddGateDialog
          workflows={workflows.data ?? []}
          onClose={closeAdd}
          onDone={(g) => {
            setAdding(false);
            say(`Gate saved: ${describeScope(g.scopeKey, names)} ${g.authorized ? "authorized" : "revoked"}`);
            onChanged();
          }}
        />
      )}
      {toast}
    </div>
  );
}
