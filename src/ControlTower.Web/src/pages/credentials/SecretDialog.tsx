import { useState } from "react";
import { credentialsApi, type Credential } from "../../api/credentials";
import { ErrorBox, Modal, useSubmit } from "../../ui";

// Secrets are typed into password fields, sent once, and cleared from state right after: never shown again.

// Secrets are typed into password fields, sent once, and cleared from state right after: never shown again.

export function SecretDialog({ credential, onClose, onDone }: { credential?: Credential; onClose: () => void; onDone: () => void }) {
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

export interface FieldSpec {
  key: string;
  label: string;
  secret: boolean;
  optional?: boolean;
  kind?: "map" | "list";
}
export const shapes: Record<string, { label: string; fields: FieldSpec[] }> = {
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

export function toData(type: string, values: Record<string, string>): Record<string, unknown> {
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
