import { useState } from "react";
import type { Me } from "../api/identity";
import { credentialsApi, type Credential, type CredentialRotation } from "../api/credentials";
import { Badge, Empty, ErrorBox, Loading, PageHeader, useAsync, useToast, when } from "../ui";
import { CredentialUsageDialog } from "./credentials/CredentialUsageDialog";
import { SecretDialog, shapes } from "./credentials/SecretDialog";
import { ShareDialog } from "./credentials/CredentialShareDialog";

export function CredentialsPage({ me }: { me: Me }) {
  const list = useAsync(() => credentialsApi.list(), []);
  const [dialog, setDialog] = useState<{ kind: "create" } | { kind: "replace" | "share" | "usage"; credential: Credential } | null>(null);
  const [toast, say] = useToast();
  const [error, setError] = useState<unknown>(null);
  const [rotation, setRotation] = useState<CredentialRotation | null>(null);
  const mine = (list.data ?? []).filter((c) => c.access === "owner");
  const shared = (list.data ?? []).filter((c) => c.access !== "owner");

  const remove = async (c: Credential) => {
    if (!confirm(`Delete the credential “${c.name}”? Workflows that use it will fail.`)) return;
    setError(null);
    try {
      await credentialsApi.remove(c.id);
      say("Credential deleted");
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const rotateKeys = async () => {
    setError(null);
    try {
      setRotation(await credentialsApi.rotateKeys());
      list.reload();
    } catch (e) {
      setError(e);
    }
  };

  const table = (rows: Credential[], owner: boolean) => (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>MCP server</th>
            <th>Created</th>
            <th>Rotated</th>
            <th>Last used</th>
            {owner && <th>Shared with</th>}
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.id} data-testid="credential-row">
              <td>
                <strong>{c.name}</strong>
              </td>
              <td>
                <Badge status="info">{shapes[c.credentialType]?.label ?? c.credentialType}</Badge>
              </td>
              <td className="mono small">{c.mcpServerId ?? "—"}</td>
              <td className="muted">{when(c.createdAt)}</td>
              <td className="muted">{when(c.rotatedAt)}</td>
              <td className="muted">{c.lastUsedAt ? when(c.lastUsedAt) : "never"}</td>
              {owner && (
                <td className="small">
                  {c.shares?.length ? (
                    c.shares.map((s) => (s.role ? `role ${s.role}` : `user ${s.userId?.slice(0, 8)}`)).join(", ")
                  ) : (
                    <span className="muted">nobody</span>
                  )}
                </td>
              )}
              <td className="row" style={{ justifyContent: "flex-end" }}>
                <button className="btn sm" onClick={() => setDialog({ kind: "usage", credential: c })} data-testid="credential-usage-open">
                  Usage
                </button>
                {owner && (
                  <>
                    <button className="btn sm" onClick={() => setDialog({ kind: "share", credential: c })}>
                      Share
                    </button>
                    <button className="btn sm" onClick={() => setDialog({ kind: "replace", credential: c })}>
                      Replace secret
                    </button>
                    <button className="btn sm danger" onClick={() => remove(c)}>
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );

  return (
    <>
      <PageHeader
        title="Credentials"
        subtitle="Secrets that workflows and MCP servers use on your behalf. A secret is entered once and never shown again."
        actions={
          <>
            {me.role === "admin" && (
              <button className="btn" onClick={rotateKeys} title="Re-encrypt every credential under the newest key">
                Rotate encryption key
              </button>
            )}
            <button className="btn primary" onClick={() => setDialog({ kind: "create" })} data-testid="new-credential">
              + New credential
            </button>
          </>
        }
      />
      {error != null && <ErrorBox error={error} />}
      {rotation && (
        <div className="notice" role="status">
          Rotation done: {String(rotation.rotated)} re-encrypted, {String(rotation.alreadyCurrent)} already current,{" "}
          {String(rotation.unreadable)} unreadable (key {String(rotation.keyFingerprint)}).
        </div>
      )}
      {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading label="Loading credentials…" />}
      {list.data && (
        <div className="stack" style={{ gap: 24 }}>
          <section className="stack">
            <h3>Mine</h3>
            {mine.length ? (
              table(mine, true)
            ) : (
              <Empty
                title="You have no credentials"
                action={
                  <button className="btn primary" onClick={() => setDialog({ kind: "create" })}>
                    Add a credential
                  </button>
                }
              >
                Add an API key, token or password so your workflows can call tools that need one.
              </Empty>
            )}
          </section>
          <section className="stack">
            <h3>Shared with me</h3>
            {shared.length ? (
              table(shared, false)
            ) : (
              <p className="muted">
                Nobody has shared a credential with you. Shared credentials can be used in workflows but not read or changed.
              </p>
            )}
          </section>
        </div>
      )}
      {dialog?.kind === "create" && (
        <SecretDialog
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            say("Credential saved. Its secret will not be shown again.");
            list.reload();
          }}
        />
      )}
      {dialog?.kind === "replace" && (
        <SecretDialog
          credential={dialog.credential}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            say("Secret replaced");
            list.reload();
          }}
        />
      )}
      {dialog?.kind === "share" && (
        <ShareDialog
          credential={dialog.credential}
          onClose={() => setDialog(null)}
          onDone={() => {
            say("Shared");
            list.reload();
          }}
        />
      )}
      {dialog?.kind === "usage" && <CredentialUsageDialog credential={dialog.credential} onClose={() => setDialog(null)} />}
      {toast}
    </>
  );
}
