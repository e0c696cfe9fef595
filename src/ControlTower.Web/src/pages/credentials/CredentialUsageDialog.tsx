import { credentialsApi, type Credential } from "../../api/credentials";
import { Link } from "../../router";
import { ProbeButton } from "../../ProbeButton";
import { AsyncBlock, Modal, useAsync, when } from "../../ui";

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
  return (
    <div className="row">
      <ProbeButton
        label={`Test with ${credential.mcpServerId}`}
        testId="credential-test"
        resultTestId="credential-test-result"
        run={() => credentialsApi.test(credential.id)}
        describe={(r) => `connected in ${Math.round(Number(r.milliseconds))} ms`}
      />
    </div>
  );
}
