import { useState } from "react";
import { credentialsApi, type Credential } from "../../api/credentials";
import type { Schemas } from "../../api/schemas";
import { Link } from "../../router";
import { AsyncBlock, ErrorBox, Modal, useAsync, when } from "../../ui";

/** Where a credential is used (workflows naming it, recent uses with their runs) and, when bound to an MCP server, a test. */
export function CredentialUsageDialog({ credential, onClose }: { credential: Credential; onClose: () => void }) {
  const usage = useAsync(() => credentialsApi.usage(credential.id), [credential.id]);
  return (
    <Modal title={`Where ${credential.name} is used`} onClose={onClose} wide>
      {credential.mcpServerId && <CredentialTest credential={credential} />}
      <AsyncBlock state={usage} label="Loading its uses…">
        {(u) => (
          <div className="stack" data-testid="credential-usage">
            <h4>Workflows that name it</h4>
            {(u.workflows ?? []).length === 0 ? (
              <p className="muted small">None of the workflows you can read names it.</p>
            ) : (
              <ul>
                {(u.workflows ?? []).map((w) => (
                  <li key={w.workflowId}>
                    <Link to={`/workflows/${w.workflowId}`}>{w.name}</Link> <span className="muted small">v{w.version}</span>{" "}
                    <span className="mono small">{(w.nodeIds ?? []).join(", ")}</span>
                  </li>
                ))}
              </ul>
            )}
            <h4>
              Used {u.uses} time{Number(u.uses) === 1 ? "" : "s"}
              {u.lastUsedAt ? `, last ${when(u.lastUsedAt)}` : ""}
            </h4>
            <ul>
              {(u.recent ?? []).map((r, i) => (
                <li key={i} className="small">
                  {when(r.at)} · {r.actor} · {r.runId ? <Link to={`/runs/${r.runId}`}>{r.reason}</Link> : r.reason}
                </li>
              ))}
            </ul>
          </div>
        )}
      </AsyncBlock>
    </Modal>
  );
}

function CredentialTest({ credential }: { credential: Credential }) {
  const [result, setResult] = useState<Schemas["CredentialTestResult"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const test = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await credentialsApi.test(credential.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="row">
      <button className="btn sm" onClick={test} disabled={busy} data-testid="credential-test">
        {busy ? "Testing…" : `Test with ${credential.mcpServerId}`}
      </button>
      {result && (
        <span className={result.ok ? "small" : "small field-error"} role="status" data-testid="credential-test-result">
          {result.ok ? `connected in ${Math.round(Number(result.milliseconds))} ms` : `failed: ${result.error}`}
        </span>
      )}
      {error != null && <ErrorBox error={error} />}
    </div>
  );
}
