import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../../api";
import { ErrorBox, Modal } from "../../ui";

/** A confirm dialog that will not go on without a reason (every governance change is audited with one). */
export function ReasonDialog({
  title,
  confirmLabel,
  danger,
  placeholder,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  confirmLabel: string;
  danger?: boolean;
  placeholder?: string;
  onConfirm: (reason: string) => Promise<void>;
  onClose: () => void;
  children?: ReactNode;
}) {
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // A conflict (e.g. already rolled back) will not change by trying again.
  const refused = error instanceof ApiError && error.status === 409;
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm(reason.trim());
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit} data-testid="reason-dialog">
        {children && (
          <div className="small stack gov-tight" style={{ marginBottom: 12 }}>
            {children}
          </div>
        )}
        {error != null && <ErrorBox error={error} />}
        <label className="field">
          Reason <span className="hint">Required: recorded in the audit log with your name.</span>
          <textarea
            ref={input}
            className="gov-reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            required
            maxLength={1000}
            placeholder={placeholder}
            data-testid="reason"
          />
        </label>
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>
            {refused ? "Close" : "Cancel"}
          </button>
          <button
            type="submit"
            className={danger ? "btn danger" : "btn primary"}
            disabled={busy || refused || !reason.trim()}
            data-testid="reason-confirm"
          >
            {busy ? "Working…" : confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
