import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "./api";
import { problemsOf, summaryWithoutPointer } from "./errorDetails";

/** Loads data for a page; `reload` refetches. Errors stay as values so pages can show them. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (error) => mine === seq.current && setState({ data: null, error, loading: false }),
    );
    // The caller lists what the load depends on.
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run, setData: (d: T) => setState({ data: d, error: null, loading: false }) };
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden /> {label}
    </div>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e = error instanceof ApiError ? error : null;
  const problems = problemsOf(e?.body);
  const raw = error instanceof Error ? error.message : String(error);
  const message = problems.length ? summaryWithoutPointer(raw) : raw;
  return (
    <div className="error-box" role="alert">
      <div>
        <strong>{e ? e.title : "Something went wrong"}</strong>
        {e?.code && <code className="code-chip">{e.code}</code>}
      </div>
      {message && message !== e?.title && <p>{message}</p>}
      {problems.length > 0 && (
        <ul className="problem-list" data-testid="error-problems">
          {problems.map((p, i) => (
            <li key={i}>
              {p.where && <code className="mono small">{p.where}</code>} {p.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button className="btn" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/**
 * The one loading / error / empty block for a page's data (from useAsync): a spinner while nothing is loaded, the error
 * with a retry, the empty state when the data has nothing to show; otherwise the page's own rendering of the data.
 */
export function AsyncBlock<T>({
  state,
  label,
  empty,
  isEmpty,
  children,
}: {
  state: { data: T | null; error: unknown; loading: boolean; reload: () => void };
  label?: string;
  empty?: { title: string; text?: ReactNode; action?: ReactNode };
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (state.error != null) return <ErrorBox error={state.error} onRetry={state.reload} />;
  if (state.data === null) return state.loading ? <Loading label={label} /> : null;
  const nothing = isEmpty ? isEmpty(state.data) : Array.isArray(state.data) && state.data.length === 0;
  if (nothing && empty)
    return (
      <Empty title={empty.title} action={empty.action}>
        {empty.text}
      </Empty>
    );
  return <>{children(state.data)}</>;
}

export function Empty({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      {children && <p className="muted">{children}</p>}
      {action}
    </div>
  );
}

const statusTone: Record<string, string> = {
  succeeded: "ok",
  completed: "ok",
  success: "ok",
  enabled: "ok",
  intact: "ok",
  closed: "ok",
  approved: "ok",
  healthy: "ok",
  running: "info",
  pending: "info",
  queued: "info",
  waiting: "warn",
  scheduled: "info",
  failed: "bad",
  error: "bad",
  cancelled: "muted",
  canceled: "muted",
  skipped: "muted",
  disabled: "muted",
  rejected: "bad",
  broken: "bad",
  open: "bad",
  failure: "bad",
  outcome_failure: "warn",
  outcome_unknown: "warn",
  "half-open": "warn",
  half_open: "warn",
};

export function Badge({ status, children }: { status: string; children?: ReactNode }) {
  return <span className={`badge tone-${statusTone[status.toLowerCase()] ?? "muted"}`}>{children ?? status}</span>;
}

export function Modal({
  title,
  onClose,
  children,
  footer,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    ref.current?.querySelector<HTMLElement>("input,textarea,select,button")?.focus();
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={wide ? "modal wide" : "modal"} role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <div className="modal-head">
          <h2>{title}</h2>
          <button className="btn ghost icon" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        <div className="modal-body">{children}</div>
        {footer && <div className="modal-foot">{footer}</div>}
      </div>
    </div>
  );
}

export function Json({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <span className="muted">—</span>;
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const diff = (Date.now() - d.getTime()) / 1000;
  if (diff < 60) return "just now";
  if (diff < 3600) return `${Math.floor(diff / 60)} min ago`;
  if (diff < 86400) return `${Math.floor(diff / 3600)} h ago`;
  return d.toLocaleString();
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** A small toast line for confirmations. */
/**
 * A dialog form's submission: no page load, the last error cleared, the submit button disabled while it runs. A failure
 * is shown and the form may be sent again; on success the dialog goes away, so it stays busy (never sent twice).
 */
export function useSubmit(action: () => Promise<void>): { busy: boolean; error: unknown; submit: (e: FormEvent) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

export function useToast(): [ReactNode, (msg: string) => void] {
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    if (!msg) return;
    const t = setTimeout(() => setMsg(null), 3500);
    return () => clearTimeout(t);
  }, [msg]);
  return [
    msg ? (
      <div className="toast" role="status">
        {msg}
      </div>
    ) : null,
    setMsg,
  ];
}

/** Before and after side by side when both exist; one column for an addition or a removal. */
export function DiffValues({ before, after }: { before: unknown; after: unknown }) {
  const has = (v: unknown) => v !== null && v !== undefined;
  if (has(before) && has(after)) {
    return (
      <div className="diff-vals">
        <div className="diff-before">
          <Json value={before} />
        </div>
        <div className="diff-after">
          <Json value={after} />
        </div>
      </div>
    );
  }
  return has(after) ? (
    <div className="diff-after">
      <Json value={after} />
    </div>
  ) : (
    <div className="diff-before">
      <Json value={before} />
    </div>
  );
}
