import { useState } from "react";
import { mcpApi, type McpTool } from "../../api/mcp";
import { ErrorBox, Json } from "../../ui";

/**
 * "Try it" for a read-only tool: arguments as JSON (pre-filled with the required keys), the answer below.
 * Tools that may change something are not offered: they run in a workflow, where rules, gates and trust apply.
 */
export function TryTool({ tool }: { tool: McpTool }) {
  const [text, setText] = useState(() => JSON.stringify(skeleton(tool), null, 2));
  const [result, setResult] = useState<{ isError: boolean; errorMessage?: string | null; output: unknown } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (tool.annotations?.readOnlyHint !== true) {
    return <p className="muted small">Not read-only, so it is tried in a workflow, where governance applies.</p>;
  }

  const run = async () => {
    setError(null);
    setResult(null);
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(text) as Record<string, unknown>;
    } catch {
      setError(new Error("The arguments are not valid JSON."));
      return;
    }
    setBusy(true);
    try {
      setResult(await mcpApi.tryTool(tool.server, tool.tool, args));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack" data-testid="try-tool">
      <label className="small" htmlFor={`try-${tool.name}`}>
        Arguments (JSON)
      </label>
      <textarea id={`try-${tool.name}`} className="mono" rows={4} value={text} onChange={(e) => setText(e.target.value)} />
      <div>
        <button className="btn sm primary" onClick={run} disabled={busy} data-testid="try-run">
          {busy ? "Calling…" : "Try it"}
        </button>
      </div>
      {error != null && <ErrorBox error={error} />}
      {result && (
        <div data-testid="try-result">
          {result.isError && <p className="field-error">The tool answered with an error: {result.errorMessage}</p>}
          <Json value={result.output} />
        </div>
      )}
    </div>
  );
}

function skeleton(tool: McpTool): Record<string, unknown> {
  const props = tool.inputSchema?.properties ?? {};
  return Object.fromEntries((tool.inputSchema?.required ?? []).map((name) => [name, props[name]?.default ?? ""]));
}
