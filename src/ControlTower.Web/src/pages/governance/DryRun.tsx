import { useState, type FormEvent } from "react";
import { governanceApi, type DryRun } from "../../api/governance";
import { mcpApi } from "../../api/mcp";
import { workflowsApi } from "../../api/workflows";
import { Badge, Empty, ErrorBox, Json, useAsync } from "../../ui";

function parseObject(label: string, text: string): Record<string, unknown> | null {
  if (!text.trim()) return null;
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${label} must be a JSON object.`);
  return value as Record<string, unknown>;
}

export function DryRunTab({ canRun }: { canRun: boolean }) {
  const servers = useAsync(() => mcpApi.servers(), []);
  const tools = useAsync(() => mcpApi.tools(), []);
  const workflows = useAsync(() => workflowsApi.list(), []);
  const [form, setForm] = useState({
    actionType: "",
    server: "",
    tool: "",
    workflowId: "",
    arguments: "{\n  \n}",
    scope: "",
    ruleSetId: "",
  });
  const [result, setResult] = useState<DryRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const toolNames = (tools.data?.tools ?? []).filter((t) => t.server === form.server).map((t) => t.tool);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(
        await governanceApi.dryRun({
          actionType: form.actionType.trim(),
          server: form.server.trim(),
          tool: form.tool.trim(),
          workflowId: form.workflowId || null,
          arguments: parseObject("Arguments", form.arguments),
          scope: parseObject("Scope", form.scope),
          ruleSetId: form.ruleSetId.trim() || null,
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!canRun) {
    return (
      <Empty title="Dry runs are for operators and admins">
        A dry run judges a proposed action (kill switch, rules, gate) and checks its server and arguments without executing it.
      </Empty>
    );
  }
  return (
    <div className="gov-dry">
      <form className="card card-pad" onSubmit={submit} data-testid="dry-run-form">
        <p className="muted small" style={{ marginBottom: 12 }}>
          Check what governance would say about an action before a workflow proposes it. Nothing runs; the verdict is recorded in the audit
          log as <code>governance.dry_run</code>.
        </p>
        <label className="field">
          Action type
          <input
            value={form.actionType}
            onChange={(e) => set("actionType", e.target.value)}
            required
            placeholder="refill.dispense"
            data-testid="dry-action-type"
          />
        </label>
        <div className="gov-pair">
          <label className="field">
            Server
            <input
              value={form.server}
              onChange={(e) => set("server", e.target.value)}
              required
              list="gov-servers"
              placeholder="memory"
              data-testid="dry-server"
            />
            <datalist id="gov-servers">
              {(servers.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </datalist>
          </label>
          <label className="field">
            Tool
            <input
              value={form.tool}
              onChange={(e) => set("tool", e.target.value)}
              required
              list="gov-tools"
              placeholder="create_entities"
              data-testid="dry-tool"
            />
            <datalist id="gov-tools">
              {toolNames.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
          </label>
        </div>
        <label className="field">
          Workflow <span className="hint">optional: gates for a workflow apply only with it</span>
          <select value={form.workflowId} onChange={(e) => set("workflowId", e.target.value)}>
            <option value="">none</option>
            {(workflows.data ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Arguments <span className="hint">JSON object, checked against the tool's input schema</span>
          <textarea
            value={form.arguments}
            onChange={(e) => set("arguments", e.target.value)}
            spellCheck={false}
            data-testid="dry-arguments"
          />
        </label>
        <div className="gov-pair">
          <label className="field">
            Rule set <span className="hint">optional id</span>
            <input value={form.ruleSetId} onChange={(e) => set("ruleSetId", e.target.value)} />
          </label>
          <label className="field">
            Scope <span className="hint">optional JSON object for the rules</span>
            <input value={form.scope} onChange={(e) => set("scope", e.target.value)} className="mono" placeholder='{"site": "north"}' />
          </label>
        </div>
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="submit" className="btn primary" disabled={busy} data-testid="dry-submit">
            {busy ? "Judging…" : "Dry run"}
          </button>
        </div>
      </form>
      <div className="stack">
        {error != null && <ErrorBox error={error} />}
        {!result && error == null && (
          <Empty title="No dry run yet">Fill in the action on the left and press Dry run to see the verdict and the checks.</Empty>
        )}
        {result && (
          <section className="card card-pad stack" data-testid="dry-run-result" aria-label="Dry run result">
            <div className="row" style={{ justifyContent: "space-between" }}>
              <h3>
                {result.wouldExecute
                  ? "Would run without a person"
                  : result.decision === "approval_required" && result.valid
                    ? "Would wait for approval"
                    : "Would not run"}
              </h3>
              <Badge status={result.decision === "execute" ? "succeeded" : result.decision === "approval_required" ? "waiting" : "failed"}>
                {result.decision.replace(/_/g, " ")}
              </Badge>
            </div>
            <p className="small">{result.verdict.why}</p>
            <ul className="gov-checks">
              {Object.entries(result.checks).map(([name, c]) => (
                <li key={name}>
                  <span className={c.ok === null ? "muted" : c.ok ? "field-ok" : "field-error"} aria-hidden>
                    {c.ok === null ? "?" : c.ok ? "✓" : "✗"}
                  </span>
                  <strong>{name}</strong> <span className="small">{c.message}</span>
                </li>
              ))}
            </ul>
            <details className="gov-more">
              <summary>Full verdict</summary>
              <Json value={result.verdict} />
            </details>
          </section>
        )}
      </div>
    </div>
  );
}
