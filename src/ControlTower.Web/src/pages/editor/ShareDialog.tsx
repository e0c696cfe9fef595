import { useEffect, useState, type FormEvent } from "react";
import { workflowsApi, type WorkflowShares } from "../../api/workflows";
import { Badge, ErrorBox, Loading, Modal } from "../../ui";

/** Who else may edit or run the workflow: users (by id) or roles, as editor or runner. Each change replaces the set. */
export function ShareDialog({ workflowId, onClose }: { workflowId: string; onClose: () => void }) {
  const [shares, setShares] = useState<WorkflowShares | null>(null);
  const [kind, setKind] = useState<"role" | "user">("role");
  const [grantee, setGrantee] = useState("operator");
  const [access, setAccess] = useState<"editor" | "runner">("runner");
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    workflowsApi.shares(workflowId).then(setShares, setLoadError);
  }, [workflowId]);
  const put = async (next: { userId?: string; role?: string; access: string }[]) =>
    setShares(await workflowsApi.setShares(workflowId, next));
  const current = (shares?.shares ?? []).map((s) =>
    s.userId ? { userId: s.userId, access: s.access } : { role: s.role!, access: s.access },
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The dialog stays open for several changes, so each one settles busy and error itself.
  const change = async (next: { userId?: string; role?: string; access: string }[]) => {
    setBusy(true);
    setError(null);
    try {
      await put(next);
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if ((await change([...current, kind === "role" ? { role: grantee, access } : { userId: grantee.trim(), access }])) && kind === "user")
      setGrantee("");
  };
  const remove = (index: number) => {
    void change(current.filter((_, i) => i !== index));
  };
  return (
    <Modal title="Share this workflow" onClose={onClose}>
      {loadError != null && <ErrorBox error={loadError} />}
      {error != null && <ErrorBox error={error} />}
      {!shares ? (
        <Loading label="Loading shares…" />
      ) : (
        <>
          <p className="muted small">
            Owner <span className="mono">{shares.ownerId.slice(0, 8)}</span>. Editors save versions, switch it and share it; runners start
            runs.
          </p>
          <ul className="gov-checks" data-testid="share-list">
            {shares.shares.length === 0 && <li className="muted small">Not shared with anyone.</li>}
            {shares.shares.map((s, i) => (
              <li key={s.id} className="row">
                <span>
                  {s.role ? (
                    <>
                      everyone with role <strong>{s.role}</strong>
                    </>
                  ) : (
                    <span className="mono">{s.userId}</span>
                  )}
                </span>
                <Badge status={s.access === "editor" ? "running" : "completed"}>{s.access}</Badge>
                <button className="btn ghost sm" onClick={() => remove(i)} disabled={busy} aria-label={`Remove share ${i + 1}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <form onSubmit={submit} className="row">
            <select
              aria-label="Share with"
              value={kind}
              onChange={(e) => {
                const k = e.target.value as "role" | "user";
                setKind(k);
                setGrantee(k === "role" ? "operator" : "");
              }}
            >
              <option value="role">a role</option>
              <option value="user">a user (id)</option>
            </select>
            {kind === "role" ? (
              <select aria-label="Role" value={grantee} onChange={(e) => setGrantee(e.target.value)}>
                {["admin", "approver", "operator", "viewer", "service"].map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            ) : (
              <input aria-label="User id" value={grantee} onChange={(e) => setGrantee(e.target.value)} placeholder="user id" required />
            )}
            <select aria-label="Access" value={access} onChange={(e) => setAccess(e.target.value as "editor" | "runner")}>
              <option value="runner">runner</option>
              <option value="editor">editor</option>
            </select>
            <button type="submit" className="btn primary sm" disabled={busy} data-testid="share-add">
              Add
            </button>
          </form>
        </>
      )}
    </Modal>
  );
}
