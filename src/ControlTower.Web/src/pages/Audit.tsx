import { Fragment, useState, type FormEvent } from "react";
import { apiKey } from "../api";
import { auditApi, type Verification } from "../api/audit";
import { Badge, Empty, ErrorBox, Json, Loading, PageHeader, useAsync } from "../ui";
import { Link } from "../router";
import { auditTargetHref, auditTargetLabel } from "./audit/auditTarget";

export function AuditPage() {
  const [filters, setFilters] = useState({ actor: "", action: "", target: "", from: "", to: "" });
  const [applied, setApplied] = useState(filters);
  const [cursor, setCursor] = useState<number[]>([]);
  // Newest first: what just happened is what people come to check.
  const before = cursor[cursor.length - 1];
  const page = useAsync(() => {
    const q = new URLSearchParams({ limit: "100", order: "desc" });
    for (const [k, v] of Object.entries(applied)) if (v) q.set(k, k === "from" || k === "to" ? new Date(v).toISOString() : v);
    if (before !== undefined) q.set("before", String(before));
    return auditApi.list(q);
  }, [applied, before]);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [open, setOpen] = useState<number | null>(null);

  const verify = async () => {
    setVerifying(true);
    setVerifyError(null);
    try {
      setVerification(await auditApi.verify());
    } catch (e) {
      setVerifyError(e);
    } finally {
      setVerifying(false);
    }
  };
  const download = async () => {
    const res = await fetch("/api/audit/export", { headers: apiKey() ? { Authorization: `Bearer ${apiKey()}` } : {} });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob());
    a.download = "audit.jsonl";
    a.click();
    URL.revokeObjectURL(a.href);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCursor([]);
    setApplied(filters);
  };
  const set = (k: keyof typeof filters, v: string) => setFilters((f) => ({ ...f, [k]: v }));

  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Every change and decision, hash-chained: editing or deleting an entry breaks the chain."
        actions={
          <>
            <button className="btn" onClick={download}>
              Export JSONL
            </button>
            <button className="btn primary" onClick={verify} disabled={verifying} data-testid="verify">
              {verifying ? "Verifying…" : "Verify chain"}
            </button>
          </>
        }
      />
      {verifyError != null && <ErrorBox error={verifyError} />}
      {verification && (
        <div
          className={`card card-pad ${verification.intact ? "" : "error-box"}`}
          role="status"
          data-testid="verification"
          style={{ marginBottom: 16 }}
        >
          <div className="row">
            <Badge status={verification.intact ? "intact" : "broken"}>{verification.intact ? "✓ Chain intact" : "✗ Chain broken"}</Badge>
            <span className="small">
              {verification.entriesChecked} entries checked · head <code>{verification.headHash.slice(0, 16)}…</code>
            </span>
          </div>
          {verification.firstBreak && (
            <p className="small" style={{ marginTop: 8 }}>
              First break at entry #{verification.firstBreak.sequence}: {verification.firstBreak.problem} — {verification.firstBreak.detail}
            </p>
          )}
        </div>
      )}
      <form className="toolbar" onSubmit={submit}>
        <input
          placeholder="Actor"
          value={filters.actor}
          onChange={(e) => set("actor", e.target.value)}
          aria-label="Actor"
          style={{ width: 140 }}
        />
        <input
          placeholder="Action, e.g. workflow.created"
          value={filters.action}
          onChange={(e) => set("action", e.target.value)}
          aria-label="Action"
          style={{ width: 220 }}
        />
        <input
          placeholder="Target"
          value={filters.target}
          onChange={(e) => set("target", e.target.value)}
          aria-label="Target"
          style={{ width: 160 }}
        />
        <label className="row small">
          From
          <input type="datetime-local" value={filters.from} onChange={(e) => set("from", e.target.value)} />
        </label>
        <label className="row small">
          To
          <input type="datetime-local" value={filters.to} onChange={(e) => set("to", e.target.value)} />
        </label>
        <button className="btn" type="submit">
          Search
        </button>
      </form>
      {page.error != null && <ErrorBox error={page.error} onRetry={page.reload} />}
      {page.loading && !page.data && <Loading label="Loading the audit log…" />}
      {page.data && page.data.items.length === 0 && (
        <Empty title="No entries match">
          Loosen the filters; actions are dotted names such as <code>workflow.created</code> or <code>credential.used</code>.
        </Empty>
      )}
      {page.data && page.data.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>When</th>
                  <th>Actor</th>
                  <th>Action</th>
                  <th>Target</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((e) => (
                  <Fragment key={e.sequence}>
                    <tr
                      onClick={() => setOpen(open === e.sequence ? null : e.sequence)}
                      style={{ cursor: "pointer" }}
                      tabIndex={0}
                      aria-expanded={open === e.sequence}
                      onKeyDown={(k) => {
                        if (k.key === "Enter" || k.key === " ") {
                          k.preventDefault();
                          setOpen(open === e.sequence ? null : e.sequence);
                        }
                      }}
                    >
                      <td className="mono small">{e.sequence}</td>
                      <td className="small muted">{new Date(e.timestamp).toLocaleString()}</td>
                      <td>{e.actor}</td>
                      <td>
                        <code>{e.action}</code>
                      </td>
                      <td className="mono small audit-target" title={e.target ?? undefined}>
                        <AuditTarget target={e.target} />
                      </td>
                      <td className="small audit-reason">{e.reason}</td>
                    </tr>
                    {open === e.sequence && (
                      <tr>
                        <td colSpan={6}>
                          <Json value={{ data: e.data, previousHash: e.previousHash, hash: e.hash }} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
          {(cursor.length > 0 || page.data.nextBefore != null) && (
            <div className="row" style={{ justifyContent: "center", marginTop: 16 }}>
              <button className="btn" disabled={cursor.length === 0} onClick={() => setCursor((c) => c.slice(0, -1))}>
                ← Newer
              </button>
              <button
                className="btn"
                disabled={page.data.nextBefore == null}
                onClick={() => setCursor((c) => [...c, page.data!.nextBefore!])}
              >
                Older →
              </button>
            </div>
          )}
        </>
      )}
    </>
  );
}

/** The target, shortened, as a link to the page that shows it when there is one (the full text is the cell's tooltip). */
function AuditTarget({ target }: { target: string | null | undefined }) {
  const href = auditTargetHref(target);
  const label = auditTargetLabel(target);
  return href ? <Link to={href}>{label}</Link> : <>{label}</>;
}
