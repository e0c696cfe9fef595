import { useState } from "react";
import { mcpApi } from "../../api/mcp";
import type { Schemas } from "../../api/schemas";
import { ErrorBox } from "../../ui";

/** "Test connection": opens a session with the server and says whether it worked, how fast, and why not. */
export function TestConnection({ serverId, name }: { serverId: string; name: string }) {
  const [result, setResult] = useState<Schemas["McpConnectionTest"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const test = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await mcpApi.test(serverId));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button className="btn sm" onClick={test} disabled={busy} aria-label={`Test the connection to ${name}`} data-testid="test-connection">
        {busy ? "Testing…" : "Test connection"}
      </button>
      {result && (
        <span className={result.ok ? "small" : "small field-error"} role="status" data-testid="test-result">
          {result.ok ? `connected: ${result.tools} tools in ${Math.round(Number(result.milliseconds))} ms` : `failed: ${result.error}`}
        </span>
      )}
      {error != null && <ErrorBox error={error} />}
    </>
  );
}
