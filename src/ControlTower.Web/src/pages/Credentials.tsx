import { useState, type FormEvent } from "react";
import type { Me } from "../api/identity";
import { credentialsApi, type Credential, type CredentialRotation } from "../api/credentials";
import { Badge, Empty, ErrorBox, Loading, Modal, PageHeader, useAsync, useToast, when, useSubmit } from "../ui";
import { CredentialUsageDialog } from "./credentials/CredentialUsageDialog";

// Secrets are typed into password fields, sent once, and cleared from state right after: never shown again.

interface FieldSpec {
  key: string;
  label: string;
  secret: boolean;
  optional?: boolean;
  kind?: "map" | "list";
}
const shapes: Record<string, { label: string; fields: FieldSpec[] }> = {
  bearer_token: { label: "Bearer token", fields: [{ key: "token", label: "Token", secret: true }] },
  api_key: {
    label: "API key",
    fields: [
      { key: "key", label: "Key", secret: true },
      { key: "header_name", label: "Header name", secret: false, optional: true },
    ],
  },
  basic_auth: {
    label: "Basic auth",
    fields: [
      { key: "username", label: "Username", secret: false },
      { key: "password", label: "Password", secret: true },
    ],
  },
  oauth2_client_credentials: {
    label: "OAuth2 client credentials",
    fields: [
      { key: "token_url", label: "Token URL", secret: false },
      { key: "client_id", label: "Client id", secret: false },
      { key: "client_secret", label: "Client secret", secret: true },
      { key: "scopes", label: "Scopes (space-separated)", secret: false, optional: true, kind: "list" },
    ],
  },
  env_vars: {
    label: "Environment variables",
    fields: [{ key: "variables", label: "Variables (NAME=value per line)", secret: true, kind: "map" }],
  },
  headers: { label: "HTTP headers", fields: [{ key: "headers", label: "Headers (Name=value per line)", secret: true, kind: "map" }] },
};

function toData(type: string, values: Record<string, string>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const f of shapes[type].fields) {
    const v = values[f.key] ?? "";
    if (!v.trim() && f.optional) continue;
    if (f.kind === "list") data[f.key] = v.split(/\s+/).filter(Boolean);
    else if (f.kind === "map")
      data[f.key] = Object.fromEntries(
        v
          .split("\n")
          .filter((l) => l.includes("="))
          .map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1)]),
      );
    else data[f.key] = v;
  }
  return data;
}

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

function SecretDialog({ credential, onClose, onDone }: { credential?: Credential; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState(credential?.name ?? "");
  const [type, setType] = useState(credential?.credentialType ?? "bearer_token");
  const [mcpServerId, setMcpServerId] = useState(credential?.mcpServerId ?? "");
  const [values, setValues] = useState<Record<string, string>>({});
  const { busy, error, submit } = useSubmit(async () => {
    const data = toData(type, values);
    if (credential)
      await credentialsApi.replace(credential.id, { data, name: name.trim() || null, mcpServerId: mcpServerId.trim() || null });
    else await credentialsApi.create({ name: name.trim(), credentialType: type, data, mcpServerId: mcpServerId.trim() || null });
    setValues({});
    onDone();
  });
  return (
    <Modal title={credential ? `Replace the secret of ${credential.name}` : "New credential"} onClose={onClose}>
      <form onSubmit={submit} autoComplete="off">
        {error != null && <ErrorBox error={error} />}
        <label className="field">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required data-testid="credential-name" />
        </label>
        <label className="field">
          Type
          <select
            value={type}
            onChange={(e) => {
              setType(e.target.value);
              setValues({});
            }}
            disabled={!!credential}
            data-testid="credential-type"
          >
            {Object.entries(shapes).map(([k, s]) => (
              <option key={k} value={k}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        {shapes[type].fields.map((f) => (
          <label className="field" key={f.key}>
            {f.label}
            {f.optional && <span className="hint">optional</span>}
            {f.kind === "map" ? (
              <textarea
                value={values[f.key] ?? ""}
                onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
                required={!f.optional}
                spellCheck={false}
              />
            ) : (
              <input
                type={f.secret ? "password" : "text"}
                autoComplete={f.secret ? "new-password" : "off"}
                value={values[f.key] ?? ""}
                required={!f.optional}
                onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
                data-testid={`credential-${f.key}`}
              />
            )}
          </label>
        ))}
        <label className="field">
          MCP server <span className="hint">optional: the server id this credential signs in to</span>
          <input value={mcpServerId} onChange={(e) => setMcpServerId(e.target.value)} />
        </label>
        <p className="secret-once small">The secret is encrypted on the server and never shown again, not even to you.</p>
        <div className="row" style={{ justifyContent: "flex-end", marginTop: 12 }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="credential-submit">
            {credential ? "Replace secret" : "Save credential"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ShareDialog({ credential, onClose, onDone }: { credential: Credential; onClose: () => void; onDone: () => void }) {
  const [mode, setMode] = useState<"role" | "user">("role");
  const [value, setValue] = useState("operator");
  const [error, setError] = useState<unknown>(null);
  const [shares, setShares] = useState(credential.shares ?? []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const share = await credentialsApi.share(credential.id, mode === "role" ? { role: value } : { userId: value.trim() });
      setShares((s) => [...s, share]);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  const unshare = async (id: string) => {
    setError(null);
    try {
      await credentialsApi.unshare(credential.id, id);
      setShares((s) => s.filter((x) => x.id !== id));
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title={`Share ${credential.name}`} onClose={onClose}>
      {error != null && <ErrorBox error={error} />}
      <p className="muted small" style={{ marginBottom: 12 }}>
        People you share with can use this credential in their workflows; they never see the secret.
      </p>
      {shares.length > 0 && (
        <ul className="stack" style={{ listStyle: "none", padding: 0, marginBottom: 16 }}>
          {shares.map((s) => (
            <li key={s.id} className="row" style={{ justifyContent: "space-between" }}>
              <span>
                {s.role ? (
                  <>
                    role <strong>{s.role}</strong>
                  </>
                ) : (
                  <>
                    user <code>{s.userId}</code>
                  </>
                )}{" "}
                <span className="muted small">
                  by {s.createdBy} · {when(s.createdAt)}
                </span>
              </span>
              <button className="btn sm danger" onClick={() => unshare(s.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} className="row" style={{ alignItems: "flex-end" }}>
        <label className="field" style={{ margin: 0 }}>
          With
          <select
            value={mode}
            onChange={(e) => {
              const m = e.target.value as "role" | "user";
              setMode(m);
              setValue(m === "role" ? "operator" : "");
            }}
          >
            <option value="role">a role</option>
            <option value="user">a user (id)</option>
          </select>
        </label>
        {mode === "role" ? (
          <label className="field" style={{ margin: 0 }}>
            Role
            <select value={value} onChange={(e) => setValue(e.target.value)}>
              <option value="viewer">viewer</option>
              <option value="operator">operator</option>
              <option value="approver">approver</option>
              <option value="admin">admin</option>
            </select>
          </label>
        ) : (
          <label className="field" style={{ margin: 0, flex: 1 }}>
            User id
            <input value={value} onChange={(e) => setValue(e.target.value)} required className="mono" />
          </label>
        )}
        <button className="btn primary" type="submit">
          Share
        </button>
      </form>
    </Modal>
  );
}
