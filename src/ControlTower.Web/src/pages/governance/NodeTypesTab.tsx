import { useCallback, useState } from "react";
import { auditApi } from "../../api/audit";
import { Badge, Empty, ErrorBox, Loading, useAsync, useToast, when } from "../../ui";
import { ReasonDialog } from "./ReasonDialog";
import { historyLimit } from "./types";
import { governanceApi, type NodeTypeSwitch } from "../../api/governance";

export function NodeTypesTab({ admin }: { admin: boolean }) {
  const [changes, setChanges] = useState(0);
  const switches = useAsync(() => governanceApi.nodeTypeSwitches(), [changes]);
  const history = useAsync(async () => {
    const pages = await Promise.all(
      ["node_type.disabled", "node_type.enabled"].map((action) =>
        auditApi.list(new URLSearchParams({ action, limit: String(historyLimit) })),
      ),
    );
    return pages.flatMap((p) => p.items).sort((a, b) => b.sequence - a.sequence);
  }, [changes]);
  const [toggling, setToggling] = useState<NodeTypeSwitch | null>(null);
  const close = useCallback(() => setToggling(null), []);
  const [toast, say] = useToast();
  const flip = async (reason: string) => {
    const t = toggling!;
    await governanceApi.setNodeTypeSwitch(t.type, { enabled: !t.enabled, reason });
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
              A kill switch per node type, for every workflow at once. A node of a switched-off type does not run: it waits (
              <code>node_type_disabled</code>) and resumes by itself when the type is switched back on; an attempt already running finishes.
              A switched-off trigger type refuses new runs.
            </p>
          </div>
          {switches.data && (
            <span data-testid="node-types-off">
              <Badge status={off ? "failed" : "succeeded"}>{off ? `${off} off` : "all on"}</Badge>
            </span>
          )}
        </div>
        {switches.error != null && <ErrorBox error={switches.error} onRetry={switches.reload} />}
        {switches.loading && !switches.data && <Loading label="Loading node types…" />}
        {switches.data && (
          <div className="table-wrap">
            <table className="table" data-testid="node-types-table">
              <thead>
                <tr>
                  <th>Type</th>
                  <th>Category</th>
                  <th>Runs</th>
                  <th>Reason</th>
                  <th>By</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {switches.data.map((t) => (
                  <tr key={t.type} data-testid="node-type-row" data-type={t.type}>
                    <td>
                      <code>{t.type}</code> <span className="muted small">{t.displayName}</span>
                    </td>
                    <td className="small">{t.category}</td>
                    <td>
                      <div className="row">
                        <button
                          className="switch"
                          role="switch"
                          aria-checked={t.enabled}
                          disabled={!admin}
                          data-testid="node-type-switch"
                          aria-label={`${t.enabled ? "Switch off" : "Switch on"} ${t.type}`}
                          title={admin ? undefined : "Only admins can switch node types"}
                          onClick={() => setToggling(t)}
                        />
                        <span data-testid="node-type-state">
                          <Badge status={t.enabled ? "succeeded" : "failed"}>{t.enabled ? "on" : "off"}</Badge>
                        </span>
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
        {history.data && history.data.length === 0 && (
          <Empty title="No switches yet">When an admin switches a node type off or on, the change appears here.</Empty>
        )}
        {history.data && history.data.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="node-type-history">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Type</th>
                  <th>Change</th>
                  <th>Reason</th>
                  <th>By</th>
                </tr>
              </thead>
              <tbody>
                {history.data.map((h) => {
                  const on = h.action === "node_type.enabled";
                  return (
                    <tr key={h.sequence} data-testid="node-type-history-row">
                      <td className="small muted gov-nowrap" title={new Date(h.timestamp).toLocaleString()}>
                        {when(h.timestamp)}
                      </td>
                      <td>
                        <code>{h.target.replace(/^node_type:/, "")}</code>
                      </td>
                      <td>
                        <Badge status={on ? "succeeded" : "failed"}>{on ? "switched on" : "switched off"}</Badge>
                      </td>
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
        <ReasonDialog
          title={toggling.enabled ? `Switch off ${toggling.type}` : `Switch on ${toggling.type}`}
          confirmLabel={toggling.enabled ? "Switch off" : "Switch on"}
          danger={toggling.enabled}
          onConfirm={flip}
          onClose={close}
          placeholder={toggling.enabled ? "e.g. the partner API answers with wrong prices" : "e.g. partner fixed the API, verified by hand"}
        >
          <p>
            {toggling.enabled
              ? toggling.category === "trigger"
                ? "No new runs will start from this trigger type in any workflow until it is switched back on."
                : "Nodes of this type in every workflow will wait instead of running. Nothing is lost: they resume when it is switched back on. Attempts already running finish."
              : "Nodes waiting because this type was off resume at once."}
          </p>
        </ReasonDialog>
      )}
      {toast}
    </div>
  );
}
