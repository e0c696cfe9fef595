import { useState, type ReactNode } from "react";
import type { WorkflowSummary } from "../../api/workflows";
import { Link } from "../../router";
import { Badge, ErrorBox, Modal, when, useSubmit } from "../../ui";
import { parseScope } from "./scope";
import { killSwitchKey, historyLimit } from "./types";
import { governanceApi, type Gate, type GateChange } from "../../api/governance";

export function ScopeLabel({ scopeKey, names }: { scopeKey: string; names: Map<string, string> }) {
  if (scopeKey === killSwitchKey) return <span className="gov-chip gov-chip-kill">kill switch</span>;
  const s = parseScope(scopeKey);
  const part = (label: string, value: ReactNode | null) => (
    <span className={value === null ? "gov-chip any" : "gov-chip"}>
      {label} <strong>{value ?? "any"}</strong>
    </span>
  );
  return (
    <span className="gov-scope" title={scopeKey}>
      {part(
        "workflow",
        s.workflow === null ? null : <Link to={`/workflows/${s.workflow}`}>{names.get(s.workflow) ?? s.workflow.slice(0, 8)}</Link>,
      )}
      {part("node", s.nodeType)}
      {part("action", s.actionType)}
    </span>
  );
}

export function describeScope(scopeKey: string, names: Map<string, string>): string {
  const s = parseScope(scopeKey);
  const parts = [
    s.actionType && `action ${s.actionType}`,
    s.nodeType && `node ${s.nodeType}`,
    s.workflow && `workflow ${names.get(s.workflow) ?? s.workflow.slice(0, 8)}`,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "every scope";
}

export function GateState({ authorized }: { authorized: boolean }) {
  return <Badge status={authorized ? "succeeded" : "failed"}>{authorized ? "authorized" : "revoked"}</Badge>;
}

export function HistoryTable({ rows, names }: { rows: GateChange[]; names: Map<string, string> }) {
  const complete = rows.length < historyLimit;
  // Rows come newest first: the previous value of a scope is its next row further down.
  const previous = rows.map((r, i) => rows.slice(i + 1).find((o) => o.scopeKey === r.scopeKey)?.value);
  const label = (kill: boolean, v: boolean) => (kill ? (v ? "engaged" : "released") : v ? "authorized" : "revoked");
  const tone = (kill: boolean, v: boolean) => ((kill ? !v : v) ? "succeeded" : "failed");
  return (
    <div className="table-wrap">
      <table className="table" data-testid="gate-history">
        <thead>
          <tr>
            <th>When</th>
            <th>Scope</th>
            <th>Change</th>
            <th>Reason</th>
            <th>By</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const kill = r.scopeKey === killSwitchKey;
            const before = previous[i];
            return (
              <tr key={`${r.scopeKey}-${r.at}-${i}`} data-testid="history-row">
                <td className="small muted gov-nowrap" title={new Date(r.at).toLocaleString()}>
                  {when(r.at)}
                </td>
                <td>
                  <ScopeLabel scopeKey={r.scopeKey} names={names} />
                </td>
                <td>
                  <span className="row gov-change">
                    {before !== undefined ? (
                      <Badge status={tone(kill, before)}>{label(kill, before)}</Badge>
                    ) : (
                      <span className="muted small">{!complete ? "…" : kill ? "released" : "new"}</span>
                    )}
                    <span aria-label="became">→</span>
                    <Badge status={tone(kill, r.value)}>{label(kill, r.value)}</Badge>
                  </span>
                </td>
                <td className="small">{r.reason}</td>
                <td>{r.actor}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function AddGateDialog({
  workflows,
  onClose,
  onDone,
}: {
  workflows: WorkflowSummary[];
  onClose: () => void;
  onDone: (g: Gate) => void;
}) {
  const [form, setForm] = useState({ workflowId: "", nodeType: "governed.action", actionType: "", authorized: "true", reason: "" });
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const { busy, error, submit } = useSubmit(async () =>
    onDone(
      await governanceApi.setGate({
        workflowId: form.workflowId || null,
        nodeType: form.nodeType.trim() || null,
        actionType: form.actionType.trim() || null,
        authorized: form.authorized === "true",
        reason: form.reason.trim(),
      }),
    ),
  );
  return (
    <Modal title="Add a gate" onClose={onClose}>
      <form onSubmit={submit} data-testid="gate-form">
        {error != null && <ErrorBox error={error} />}
        <p className="muted small" style={{ marginBottom: 12 }}>
          Leave a part empty to match anything. A gate for a scope that already has one replaces its state.
        </p>
        <label className="field">
          Workflow
          <select value={form.workflowId} onChange={(e) => set("workflowId", e.target.value)} data-testid="gate-workflow">
            <option value="">any workflow</option>
            {workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Node type{" "}
          <span className="hint">
            Governed actions are judged as <code>governed.action</code>.
          </span>
          <input
            value={form.nodeType}
            onChange={(e) => set("nodeType", e.target.value)}
            placeholder="any node type"
            maxLength={100}
            data-testid="gate-node-type"
          />
        </label>
        <label className="field">
          Action type{" "}
          <span className="hint">
            The <code>actionType</code> of the governed.action node, e.g. <code>refill.dispense</code>.
          </span>
          <input
            value={form.actionType}
            onChange={(e) => set("actionType", e.target.value)}
            placeholder="any action type"
            maxLength={200}
            data-testid="gate-action-type"
          />
        </label>
        <fieldset className="gov-radios">
          <legend>Automation</legend>
          <label>
            <input
              type="radio"
              name="authorized"
              value="true"
              checked={form.authorized === "true"}
              onChange={(e) => set("authorized", e.target.value)}
            />{" "}
            Authorized: runs without a person
          </label>
          <label>
            <input
              type="radio"
              name="authorized"
              value="false"
              checked={form.authorized === "false"}
              onChange={(e) => set("authorized", e.target.value)}
            />{" "}
            Revoked: a person approves
          </label>
        </fieldset>
        <label className="field">
          Reason <span className="hint">Required: recorded in the history and the audit log.</span>
          <textarea
            className="gov-reason"
            value={form.reason}
            onChange={(e) => set("reason", e.target.value)}
            required
            maxLength={1000}
            data-testid="gate-reason"
          />
        </label>
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy || !form.reason.trim()} data-testid="gate-submit">
            Save gate
          </button>
        </div>
      </form>
    </Modal>
  );
}
