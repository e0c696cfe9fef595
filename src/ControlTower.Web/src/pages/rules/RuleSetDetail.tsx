import { useState } from "react";
import { rulesApi, type RuleSet, type RuleSetVersion } from "../../api/rules";
import { AsyncBlock, Badge, useAsync, when } from "../../ui";
import { RuleTest } from "./RuleTest";

export function RuleSetDetail({ id }: { id: string }) {
  const versions = useAsync(() => rulesApi.versions(id), [id]);
  const [version, setVersion] = useState<number | null>(null);
  const set = useAsync(() => rulesApi.get(id, version), [id, version]);
  return (
    <AsyncBlock state={set} label="Loading the rule set…">
      {(rs) => <RuleSetView rs={rs} versions={versions.data} onVersion={setVersion} />}
    </AsyncBlock>
  );
}

function RuleSetView({ rs, versions, onVersion }: { rs: RuleSet; versions: RuleSetVersion[] | null; onVersion: (v: number) => void }) {
  const rules = [...rs.definition.rules].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
  return (
    <section className="stack" data-testid="rule-set">
      <div className="card card-pad stack">
        <div className="row" style={{ justifyContent: "space-between", flexWrap: "wrap" }}>
          <h2 className="mono">{rs.id}</h2>
          <label className="row small">
            Version
            <select value={rs.version} onChange={(e) => onVersion(Number(e.target.value))} aria-label="Version">
              {(versions ?? [{ version: rs.version } as RuleSetVersion]).map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.message ? ` · ${v.message}` : ""}
                </option>
              ))}
            </select>
          </label>
        </div>
        {rs.description && <p>{rs.description}</p>}
        <p className="muted small">
          Hit policy <code>{rs.definition.hitPolicy ?? "first"}</code> · v{rs.version} by {rs.author} · {when(rs.createdAt)}
          {rs.message ? ` · ${rs.message}` : ""}
        </p>
        <div className="table-wrap">
          <table className="table" data-testid="rules-table">
            <thead>
              <tr>
                <th>Rule</th>
                <th>Priority</th>
                <th>When</th>
                <th>Then</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id} className={r.enabled === false ? "muted" : undefined}>
                  <td>
                    <strong className="mono">{r.id}</strong>
                    {r.description && <div className="muted small">{r.description}</div>}
                    {r.enabled === false && <Badge status="disabled" />}
                  </td>
                  <td className="mono">{r.priority ?? 0}</td>
                  <td>
                    <code className="rule-condition">{r.condition}</code>
                  </td>
                  <td>
                    <Badge status={r.action.type === "deny" ? "failed" : r.action.type === "require_approval" ? "waiting" : "completed"}>
                      {r.action.type.replace(/_/g, " ")}
                    </Badge>
                    {r.action.reason && <div className="small muted">{r.action.reason}</div>}
                    {r.action.tag && <div className="small mono">{r.action.tag}</div>}
                    {r.action.outcome && (
                      <div className="small">
                        → <code>{r.action.outcome}</code>
                      </div>
                    )}
                    {r.action.outputs && <div className="small mono">{JSON.stringify(r.action.outputs)}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <RuleTest ruleSet={rs} />
    </section>
  );
}
