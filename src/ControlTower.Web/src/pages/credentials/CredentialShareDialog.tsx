import { useState, type FormEvent } from "react";
import { credentialsApi, type Credential } from "../../api/credentials";
import { ErrorBox, Modal, when } from "../../ui";

// Secrets are typed into password fields, sent once, and cleared from state right after: never shown again.

export function ShareDialog({ credential, onClose, onDone }: { credential: Credential; onClose: () => void; onDone: () => void }) {
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
