import { useState } from "react";
import { ErrorBox } from "./ui";

/** A button that runs a check (a connection test) and shows its answer beside it: what worked, or why not. */
export function ProbeButton<T extends { ok: boolean; error?: string | null }>({
  label,
  ariaLabel,
  testId,
  resultTestId,
  run,
  describe,
}: {
  label: string;
  ariaLabel?: string;
  testId: string;
  resultTestId: string;
  run: () => Promise<T>;
  describe: (ok: T) => string;
}) {
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const probe = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await run());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button className="btn sm" onClick={probe} disabled={busy} aria-label={ariaLabel} data-testid={testId}>
        {busy ? "Testing…" : label}
      </button>
      {result && (
        <span className={result.ok ? "small" : "small field-error"} role="status" data-testid={resultTestId}>
          {result.ok ? describe(result) : `failed: ${result.error}`}
        </span>
      )}
      {error != null && <ErrorBox error={error} />}
    </>
  );
}
