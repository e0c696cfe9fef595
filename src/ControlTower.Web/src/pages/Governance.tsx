import { useCallback, useState, type ReactNode } from "react";
import { api, type Me, type WorkflowSummary } from "../api";
import { Link, navigate, useLocation } from "../router";
import { Badge, Empty, ErrorBox, Loading, Modal, PageHeader, useAsync, useToast, when, useSubmit } from "../ui";
import { DryRunTab } from "./governance/DryRun";
import { ExecutionsTab } from "./governance/Executions";
import { ReasonDialog } from "./governance/ReasonDialog";
import { parseScope } from "./governance/scope";

// Mirrors of the Server's GateView, GateHistoryView and KillSwitchView (Governance/GateService.cs).
interface Gate { scopeKey: string; workflowId: string | null; nodeType: string | null; actionType: string | null; authorized: boolean; reason: string; updatedBy: string; updatedAt: string }
interface GateChange { scopeKey: string; value: boolean; reason: string; actor: string; at: string }
interface KillSwitch { engaged: boolean; reason: string | null; updatedBy: string | null; updatedAt: string | null }
// Mirror of the Server's NodeTypeSwitchView (NodeSwitches/NodeTypeSwitches.cs) and of the audit entries it writes.
interface NodeTypeSwitch { type: string; category: string; displayName: string; enabled: boolean; reason: string | null; changedBy: string | null; changedAt: string | null }
interface SwitchChange { sequence: number; timestamp: string; actor: string; action: string; target: string; reason: string }

const killSwitchKey = "kill_switch";
const historyLimit = 500;
type Tab = "gates" | "node-types" | "executions" | "dry-run";
const tabs: { id: Tab; label: string }[] = [
  { id: "gates", label: "Gates" }, { id: "node-types", label: "Node types" }, { id: "executions", label: "Executions" }, { id: "dry-run", label: "Dry run" },
];

export function GovernancePage({ me }: { me: Me }) {
  const { query } = useLocation();
  const tab = (tabs.find((t) => t.id === query.get("tab"))?.id ?? "gates") as Tab;
  const admin = me.role === "admin";
  const operator = admin || me.role === "operator";
  // Bumped by every gate or kill-switch change so the history shows it.
  const [changes, setChanges] = useState(0);
  const changed = useCallback(() => setChanges((c) => c + 1), []);
  return (
    <>
      <PageHeader title="Governance" subtitle="What automation may do on its own: gates per scope, one kill switch for everything, and every governed action with its undo window." />
      <KillSwitchCard admin={admin} onChanged={changed} />
      <div className="tabs" role="tablist" aria-label="Governance sections">
        {tabs.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} data-testid={`tab-${t.id}`}
            onClick={() => navigate(t.id === "gates" ? "/governance" : `/governance?tab=${t.id}`, true)}>{t.label}</button>
        ))}
      </div>
      {tab === "gates" && <GatesTab admin={admin} changes={changes} onChanged={changed} />}
      {tab === "node-types" && <NodeTypesTab admin={admin} />}
      {tab === "executions" && <ExecutionsTab canRollback={operator} openId={query.get("execution")} />}
      {tab === "dry-run" && <DryRunTab canRun={operator} />}
    </>
  );
}

// ---- kill switch ----

function KillSwitchCard({ admin, onChanged }: { admin: boolean; onChanged: () => void }) {
  const state = useAsync(() => api.get<KillSwitch>("/api/governance/kill-switch"), []);
  const [confirming, setConfirming] = useState(false);
  const close = useCallback(() => setConfirming(false), []);
  const [toast, say] = useToast();
  const k = state.data;
  const flip = async (reason: string) => {
    const next = await api.put<KillSwitch>("/api/governance/kill-switch", { engaged: !k!.engaged, reason });
    state.setData(next);
    setConfirming(false);
    say(next.engaged ? "Kill switch engaged: governed actions are stopped" : "Kill switch released");
    onChanged();
  };
  return (
    <section className={`card card-pad gov-kill${k?.engaged ? " engaged" : ""}`} aria-label="Kill switch" data-testid="kill-switch">
      {state.error != null && <ErrorBox error={state.error} onRetry={state.reload} />}
      {state.loading && !k && <Loading label="Reading the kill switch…" />}
      {k && (
        <div className="gov-kill-row">
          <div className="stack gov-tight">
            <div className="row">
              <h3>Kill switch</h3>
              <span data-testid="kill-switch-state"><Badge status={k.engaged ? "failed" : "succeeded"}>{k.engaged ? "Engaged" : "Released"}</Badge></span>
            </div>
            <p className="small">
              {k.engaged
                ? "Every governed action is stopped: it ends rejected (blocked) before rules and gates are consulted."
                : "Governed actions run as their rules and gates say. Engage it to stop all of them at once."}
            </p>
            {k.updatedAt
              ? <p className="muted small" data-testid="kill-switch-last">{k.engaged ? "Engaged" : "Released"} by <strong>{k.updatedBy}</strong> {when(k.updatedAt)}: “{k.reason}”</p>
              : <p className="muted small">Never engaged on this server.</p>}
          </div>
          {admin
            ? <button className={k.engaged ? "btn primary" : "btn danger"} onClick={() => setConfirming(true)} data-testid="kill-switch-toggle">
                {k.engaged ? "Release kill switch" : "Engage kill switch"}
              </button>
            : <span className="muted small">Only admins can engage or release it.</span>}
        </div>
      )}
      {confirming && k && (
        <ReasonDialog title={k.engaged ? "Release the kill switch" : "Engage the kill switch"} confirmLabel={k.engaged ? "Release" : "Engage"} danger={!k.engaged}
          placeholder={k.engaged ? "e.g. incident INC-42 resolved, automation verified" : "e.g. incident INC-42: wrong prices pushed to the shop"}
          onConfirm={flip} onClose={close}>
          {k.engaged
            ? "Governed actions will again run as their rules and gates say. Actions that were blocked while it was engaged stay rejected."
            : "Every governed action in every workflow will end rejected (blocked) until it is released. Runs already executing a tool call finish that call."}
        </ReasonDialog>
      )}
      {toast}
    </section>
  );
}

// ---- gates ----


function ScopeLabel({ scopeKey, names }: { scopeKey: string; names: Map<string, string> }) {
  if (scopeKey === killSwitchKey) return <span className="gov-chip gov-chip-kill">kill switch</span>;
  const s = parseScope(scopeKey);
  const part = (label: string, value: ReactNode | null) => (
    <span className={value === null ? "gov-chip any" : "gov-chip"}>{label} <strong>{value ?? "any"}</strong></span>
  );
  return (
    <span className="gov-scope" title={scopeKey}>
      {part("workflow", s.workflow === null ? null : <Link to={`/workflows/${s.workflow}`}>{names.get(s.workflow) ?? s.workflow.slice(0, 8)}</Link>)}
      {part("node", s.nodeType)}
      {part("action", s.actionType)}
    </span>
  );
}

function describeScope(scopeKey: string, names: Map<string, string>): string {
  const s = parseScope(scopeKey);
  const parts = [s.actionType && `action ${s.actionType}`, s.nodeType && `node ${s.nodeType}`, s.workflow && `workflow ${names.get(s.workflow) ?? s.workflow.slice(0, 8)}`].filter(Boolean);
  return parts.length ? parts.join(", ") : "every scope";
}

function GateState({ authorized }: { authorized: boolean }) {
  return <Badge status={authorized ? "succeeded" : "failed"}>{authorized ? "authorized" : "revoked"}</Badge>;
}

function GatesTab({ admin, changes, onChanged }: { admin: boolean; changes: number; onChanged: () => void }) {
  const gates = useAsync(() => api.get<Gate[]>("/api/gates"), [changes]);
  const workflows = useAsync(() => api.get<WorkflowSummary[]>("/api/workflows"), []);
  const [scope, setScope] = useState("");
  const history = useAsync(() => {
    const q = new URLSearchParams({ limit: String(historyLimit) });
    if (scope) q.set("scopeKey", scope);
    return api.get<GateChange[]>(`/api/gates/history?${q}`);
  }, [scope, changes]);
  const [toggling, setToggling] = useState<Gate | null>(null);
  const [adding, setAdding] = useState(false);
  const closeToggle = useCallback(() => setToggling(null), []);
  const closeAdd = useCallback(() => setAdding(false), []);
  const [toast, say] = useToast();
  const names = new Map((workflows.data ?? []).map((w) => [w.id, w.name]));

  const toggle = async (reason: string) => {
    const g = toggling!;
    await api.put<Gate>("/api/gates", { workflowId: g.workflowId, nodeType: g.nodeType, actionType: g.actionType, authorized: !g.authorized, reason });
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
            <p className="muted small">A gate lets governed actions in its scope run without a person (authorized) or sends them to approval (revoked). The most specific gate decides; a tie goes to revoked; no gate means a person approves.</p>
          </div>
          {admin && <button className="btn primary" onClick={() => setAdding(true)} data-testid="add-gate">+ Add gate</button>}
        </div>
        {gates.error != null && <ErrorBox error={gates.error} onRetry={gates.reload} />}
        {gates.loading && !gates.data && <Loading label="Loading gates…" />}
        {gates.data && gates.data.length === 0 && (
          <Empty title="No gates yet" action={admin ? <button className="btn primary" onClick={() => setAdding(true)}>Add a gate</button> : undefined}>
            Every governed action waits for a person's approval. {admin ? "Add a gate to let an action type you trust run on its own." : "An admin can add a gate to let trusted actions run on their own."}
          </Empty>
        )}
        {gates.data && gates.data.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="gates-table">
              <thead><tr><th>Scope</th><th>Automation</th><th>Reason</th><th>By</th><th>When</th><th /></tr></thead>
              <tbody>
                {gates.data.map((g) => (
                  <tr key={g.scopeKey} data-testid="gate-row" data-scope={g.scopeKey}>
                    <td><ScopeLabel scopeKey={g.scopeKey} names={names} /></td>
                    <td>
                      <div className="row">
                        <button className="switch" role="switch" aria-checked={g.authorized} disabled={!admin} data-testid="gate-switch"
                          aria-label={`${g.authorized ? "Revoke" : "Authorize"} automation for ${describeScope(g.scopeKey, names)}`}
                          title={admin ? undefined : "Only admins can change gates"} onClick={() => setToggling(g)} />
                        <GateState authorized={g.authorized} />
                      </div>
                    </td>
                    <td className="small">{g.reason}</td>
                    <td>{g.updatedBy}</td>
                    <td className="muted gov-nowrap">{when(g.updatedAt)}</td>
                    <td><button className="btn sm" onClick={() => setScope(g.scopeKey)} aria-label={`History of ${describeScope(g.scopeKey, names)}`}>History</button></td>
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
          <label className="row small">Scope
            <select value={scope} onChange={(e) => setScope(e.target.value)} aria-label="Filter history by scope" data-testid="history-scope" style={{ maxWidth: 420 }}>
              <option value="">all scopes</option>
              <option value={killSwitchKey}>kill switch</option>
              {scopes.map((s) => <option key={s} value={s}>{describeScope(s, names)}</option>)}
            </select>
          </label>
        </div>
        {history.error != null && <ErrorBox error={history.error} onRetry={history.reload} />}
        {history.loading && !history.data && <Loading label="Loading history…" />}
        {history.data && history.data.length === 0 && (
          <Empty title={scope ? "No changes in this scope" : "No changes yet"}>
            {scope ? "Pick “all scopes” to see every change." : "When an admin adds or flips a gate, or engages the kill switch, the change appears here."}
          </Empty>
        )}
        {history.data && history.data.length > 0 && <HistoryTable rows={history.data} names={names} />}
      </section>

      {toggling && (
        <ReasonDialog title={toggling.authorized ? "Revoke automation" : "Authorize automation"} confirmLabel={toggling.authorized ? "Revoke" : "Authorize"}
          danger={toggling.authorized} onConfirm={toggle} onClose={closeToggle}
          placeholder={toggling.authorized ? "e.g. two wrong refills this week" : "e.g. 200 approvals without a rejection"}>
          <p>{toggling.authorized
            ? "Governed actions in this scope will wait for a person's approval again."
            : "Governed actions in this scope will run without a person, unless a rule requires approval."}</p>
          <p style={{ marginTop: 8 }}><ScopeLabel scopeKey={toggling.scopeKey} names={names} /></p>
        </ReasonDialog>
      )}
      {adding && <AddGateDialog workflows={workflows.data ?? []} onClose={closeAdd} onDone={(g) => { setAdding(false); say(`Gate saved: ${describeScope(g.scopeKey, names)} ${g.authorized ? "authorized" : "revoked"}`); onChanged(); }} />}
      {toast}
    </div>
  );
}

// ---- node types ----

function NodeTypesTab({ admin }: { admin: boolean }) {
  const [changes, setChanges] = useState(0);
  const switches = useAsync(() => api.get<NodeTypeSwitch[]>("/api/node-types/switches"), [changes]);
  const history = useAsync(async () => {
    const pages = await Promise.all(["node_type.disabled", "node_type.enabled"].map((action) =>
      api.get<{ items: SwitchChange[] }>(`/api/audit?${new URLSearchParams({ action, limit: String(historyLimit) })}`)));
    return pages.flatMap((p) => p.items).sort((a, b) => b.sequence - a.sequence);
  }, [changes]);
  const [toggling, setToggling] = useState<NodeTypeSwitch | null>(null);
  const close = useCallback(() => setToggling(null), []);
  const [toast, say] = useToast();
  const flip = async (reason: string) => {
    const t = toggling!;
    await api.put<NodeTypeSwitch>(`/api/node-types/${encodeURIComponent(t.type)}/switch`, { enabled: !t.enabled, reason });
    setToggling(null);
    say(t.enabled ? `${t.type} switched off: its nodes wait where they are` : `${t.type} switched on: waiting nodes resume`);
    setChanges((c) => c + 1);
  };
  const off = (switches.data ?? []).filter((t) => !t.enabled).length;
  return (
    <div className="stack gov-sections">
      <section className="stack">
        <div className="row gov-section-head">
          <div>
            <h3>Node types</h3>
            <p className="muted small">
              A kill switch per node type, for every workflow at once. A node of a switched-off type does not run: it waits
              (<code>node_type_disabled</code>) and resumes by itself when the type is switched back on; an attempt already running finishes.
              A switched-off trigger type refuses new runs.
            </p>
          </div>
          {switches.data && <span data-testid="node-types-off"><Badge status={off ? "failed" : "succeeded"}>{off ? `${off} off` : "all on"}</Badge></span>}
        </div>
        {switches.error != null && <ErrorBox error={switches.error} onRetry={switches.reload} />}
        {switches.loading && !switches.data && <Loading label="Loading node types…" />}
        {switches.data && (
          <div className="table-wrap">
            <table className="table" data-testid="node-types-table">
              <thead><tr><th>Type</th><th>Category</th><th>Runs</th><th>Reason</th><th>By</th><th>When</th></tr></thead>
              <tbody>
                {switches.data.map((t) => (
                  <tr key={t.type} data-testid="node-type-row" data-type={t.type}>
                    <td><code>{t.type}</code> <span className="muted small">{t.displayName}</span></td>
                    <td className="small">{t.category}</td>
                    <td>
                      <div className="row">
                        <button className="switch" role="switch" aria-checked={t.enabled} disabled={!admin} data-testid="node-type-switch"
                          aria-label={`${t.enabled ? "Switch off" : "Switch on"} ${t.type}`}
                          title={admin ? undefined : "Only admins can switch node types"} onClick={() => setToggling(t)} />
                        <span data-testid="node-type-state"><Badge status={t.enabled ? "succeeded" : "failed"}>{t.enabled ? "on" : "off"}</Badge></span>
                      </div>
                    </td>
                    <td className="small">{t.reason ?? ""}</td>
                    <td>{t.changedBy ?? <span className="muted small">never changed</span>}</td>
                    <td className="muted gov-nowrap">{t.changedAt ? when(t.changedAt) : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="stack" aria-label="Node type switch history">
        <div>
          <h3>History</h3>
          <p className="muted small">Every switch of a node type, newest first, from the audit log.</p>
        </div>
        {history.error != null && <ErrorBox error={history.error} onRetry={history.reload} />}
        {history.loading && !history.data && <Loading label="Loading history…" />}
        {history.data && history.data.length === 0 && <Empty title="No switches yet">When an admin switches a node type off or on, the change appears here.</Empty>}
        {history.data && history.data.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="node-type-history">
              <thead><tr><th>When</th><th>Type</th><th>Change</th><th>Reason</th><th>By</th></tr></thead>
              <tbody>
                {history.data.map((h) => {
                  const on = h.action === "node_type.enabled";
                  return (
                    <tr key={h.sequence} data-testid="node-type-history-row">
                      <td className="small muted gov-nowrap" title={new Date(h.timestamp).toLocaleString()}>{when(h.timestamp)}</td>
                      <td><code>{h.target.replace(/^node_type:/, "")}</code></td>
                      <td><Badge status={on ? "succeeded" : "failed"}>{on ? "switched on" : "switched off"}</Badge></td>
                      <td className="small">{h.reason}</td>
                      <td>{h.actor}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {toggling && (
        <ReasonDialog title={toggling.enabled ? `Switch off ${toggling.type}` : `Switch on ${toggling.type}`} confirmLabel={toggling.enabled ? "Switch off" : "Switch on"}
          danger={toggling.enabled} onConfirm={flip} onClose={close}
          placeholder={toggling.enabled ? "e.g. the partner API answers with wrong prices" : "e.g. partner fixed the API, verified by hand"}>
          <p>{toggling.enabled
            ? toggling.category === "trigger"
              ? "No new runs will start from this trigger type in any workflow until it is switched back on."
              : "Nodes of this type in every workflow will wait instead of running. Nothing is lost: they resume when it is switched back on. Attempts already running finish."
            : "Nodes waiting because this type was off resume at once."}</p>
        </ReasonDialog>
      )}
      {toast}
    </div>
  );
}

function HistoryTable({ rows, names }: { rows: GateChange[]; names: Map<string, string> }) {
  const complete = rows.length < historyLimit;
  // Rows come newest first: the previous value of a scope is its next row further down.
  const previous = rows.map((r, i) => rows.slice(i + 1).find((o) => o.scopeKey === r.scopeKey)?.value);
  const label = (kill: boolean, v: boolean) => kill ? (v ? "engaged" : "released") : (v ? "authorized" : "revoked");
  const tone = (kill: boolean, v: boolean) => (kill ? !v : v) ? "succeeded" : "failed";
  return (
    <div className="table-wrap">
      <table className="table" data-testid="gate-history">
        <thead><tr><th>When</th><th>Scope</th><th>Change</th><th>Reason</th><th>By</th></tr></thead>
        <tbody>
          {rows.map((r, i) => {
            const kill = r.scopeKey === killSwitchKey;
            const before = previous[i];
            return (
              <tr key={`${r.scopeKey}-${r.at}-${i}`} data-testid="history-row">
                <td className="small muted gov-nowrap" title={new Date(r.at).toLocaleString()}>{when(r.at)}</td>
                <td><ScopeLabel scopeKey={r.scopeKey} names={names} /></td>
                <td>
                  <span className="row gov-change">
                    {before !== undefined
                      ? <Badge status={tone(kill, before)}>{label(kill, before)}</Badge>
                      : <span className="muted small">{!complete ? "…" : kill ? "released" : "new"}</span>}
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

function AddGateDialog({ workflows, onClose, onDone }: { workflows: WorkflowSummary[]; onClose: () => void; onDone: (g: Gate) => void }) {
  const [form, setForm] = useState({ workflowId: "", nodeType: "governed.action", actionType: "", authorized: "true", reason: "" });
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const { busy, error, submit } = useSubmit(async () =>
    onDone(await api.put<Gate>("/api/gates", {
      workflowId: form.workflowId || null, nodeType: form.nodeType.trim() || null, actionType: form.actionType.trim() || null,
      authorized: form.authorized === "true", reason: form.reason.trim(),
    })));
  return (
    <Modal title="Add a gate" onClose={onClose}>
      <form onSubmit={submit} data-testid="gate-form">
        {error != null && <ErrorBox error={error} />}
        <p className="muted small" style={{ marginBottom: 12 }}>Leave a part empty to match anything. A gate for a scope that already has one replaces its state.</p>
        <label className="field">Workflow
          <select value={form.workflowId} onChange={(e) => set("workflowId", e.target.value)} data-testid="gate-workflow">
            <option value="">any workflow</option>
            {workflows.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
          </select>
        </label>
        <label className="field">Node type <span className="hint">Governed actions are judged as <code>governed.action</code>.</span>
          <input value={form.nodeType} onChange={(e) => set("nodeType", e.target.value)} placeholder="any node type" maxLength={100} data-testid="gate-node-type" />
        </label>
        <label className="field">Action type <span className="hint">The <code>actionType</code> of the governed.action node, e.g. <code>refill.dispense</code>.</span>
          <input value={form.actionType} onChange={(e) => set("actionType", e.target.value)} placeholder="any action type" maxLength={200} data-testid="gate-action-type" />
        </label>
        <fieldset className="gov-radios">
          <legend>Automation</legend>
          <label><input type="radio" name="authorized" value="true" checked={form.authorized === "true"} onChange={(e) => set("authorized", e.target.value)} /> Authorized: runs without a person</label>
          <label><input type="radio" name="authorized" value="false" checked={form.authorized === "false"} onChange={(e) => set("authorized", e.target.value)} /> Revoked: a person approves</label>
        </fieldset>
        <label className="field">Reason <span className="hint">Required: recorded in the history and the audit log.</span>
          <textarea className="gov-reason" value={form.reason} onChange={(e) => set("reason", e.target.value)} required maxLength={1000} data-testid="gate-reason" />
        </label>
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={busy || !form.reason.trim()} data-testid="gate-submit">Save gate</button>
        </div>
      </form>
    </Modal>
  );
}
