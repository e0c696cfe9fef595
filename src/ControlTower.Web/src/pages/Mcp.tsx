import { useState, type FormEvent } from "react";
import { api, ApiError, getOptional, type JsonSchema } from "../api";
import { Badge, Empty, ErrorBox, Json, Loading, Modal, PageHeader, useAsync, useToast, when } from "../ui";

interface McpServer {
  id: string; name: string; transport: string; command?: string | null; args?: string[]; url?: string | null;
  enabled: boolean; credentialType?: string | null; createdAt?: string; envNames?: string[]; headerNames?: string[];
}
interface McpHealth {
  serverId: string; breakerState: string; lastSuccessAt?: string | null; lastError?: { code?: string; message?: string } | null;
  calls?: number; failures?: number; liveConnections?: number; p50Milliseconds?: number | null; p99Milliseconds?: number | null;
}
interface McpTool { name: string; server: string; tool: string; title?: string | null; description?: string | null; inputSchema?: JsonSchema }
interface CatalogProblem { serverId: string; code: string; message: string }

export function McpPage() {
  const servers = useAsync(() => getOptional<McpServer[]>("/api/mcp/servers"), []);
  const tools = useAsync(() => getOptional<{ tools: McpTool[]; problems?: CatalogProblem[] }>("/api/mcp/tools"), [servers.data]);
  const [registering, setRegistering] = useState(false);
  const [toast, say] = useToast();
  const [error, setError] = useState<unknown>(null);
  const unavailable = servers.data === null && !servers.loading && servers.error == null;

  const toggle = async (s: McpServer) => {
    setError(null);
    try { await api.post(`/api/mcp/servers/${encodeURIComponent(s.id)}/${s.enabled ? "disable" : "enable"}`, {}); say(`${s.name} ${s.enabled ? "disabled" : "enabled"}`); servers.reload(); } catch (e) { setError(e); }
  };

  return (
    <>
      <PageHeader title="MCP servers" subtitle="Tool servers federated into Control Tower: their tools become nodes in the editor's palette."
        actions={!unavailable && <button className="btn primary" onClick={() => setRegistering(true)} data-testid="register-server">+ Register server</button>} />
      {unavailable && (
        <Empty title="MCP server management is not available on this server">
          This server does not expose <code>/api/mcp/servers</code> yet. Servers configured in its settings still work in workflows.
        </Empty>
      )}
      {error != null && <ErrorBox error={error} />}
      {servers.error != null && <ErrorBox error={servers.error} onRetry={servers.reload} />}
      {servers.loading && !servers.data && <Loading label="Loading servers…" />}
      {servers.data && servers.data.length === 0 && (
        <Empty title="No MCP servers yet" action={<button className="btn primary" onClick={() => setRegistering(true)}>Register a server</button>}>
          Register a stdio command (for example <code>npx @modelcontextprotocol/server-everything</code>) or an HTTP endpoint.
        </Empty>
      )}
      <div className="stack">
        {servers.data?.map((s) => (
          <ServerCard key={s.id} server={s} onToggle={() => toggle(s)}
            tools={(tools.data?.tools ?? []).filter((t) => t.server === s.id)}
            problem={tools.data?.problems?.find((p) => p.serverId === s.id)} />
        ))}
      </div>
      {registering && <RegisterServer onClose={() => setRegistering(false)} onDone={() => { setRegistering(false); say("Server registered"); servers.reload(); }} />}
      {toast}
    </>
  );
}

function ServerCard({ server, tools, problem, onToggle }: { server: McpServer; tools: McpTool[]; problem?: CatalogProblem; onToggle: () => void }) {
  const health = useAsync(() => getOptional<McpHealth>(`/api/mcp/servers/${encodeURIComponent(server.id)}/health`), [server.id]);
  const [open, setOpen] = useState<string | null>(null);
  const h = health.data;
  return (
    <article className="card card-pad stack" data-testid={`server-${server.id}`}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <div>
          <h3>{server.name} <span className="muted mono small">{server.id}</span></h3>
          <p className="muted small mono">{server.transport} · {server.url ?? [server.command, ...(server.args ?? [])].filter(Boolean).join(" ")}</p>
        </div>
        <div className="row">
          {h && <Badge status={h.breakerState === "closed" ? "healthy" : h.breakerState}>breaker {h.breakerState}</Badge>}
          <button className="switch" role="switch" aria-checked={server.enabled} aria-label={`${server.enabled ? "Disable" : "Enable"} ${server.name}`} onClick={onToggle} />
        </div>
      </div>
      {h && (
        <p className="small muted">
          {h.calls ?? 0} calls · {h.failures ?? 0} failures · p50 {h.p50Milliseconds != null ? `${Math.round(h.p50Milliseconds)} ms` : "—"} · p99 {h.p99Milliseconds != null ? `${Math.round(h.p99Milliseconds)} ms` : "—"} · last success {when(h.lastSuccessAt)}
          {h.lastError?.message && <> · last error <span className="field-error">{h.lastError.message}</span></>}
        </p>
      )}
      {problem && <div className="error-box"><span>{problem.message}</span><code className="code-chip">{problem.code}</code></div>}
      <div>
        <strong className="small">{tools.length} tool{tools.length === 1 ? "" : "s"}</strong>
        <div className="row" style={{ flexWrap: "wrap", marginTop: 6 }}>
          {tools.map((t) => (
            <button key={t.name} className="btn sm" aria-expanded={open === t.name} onClick={() => setOpen(open === t.name ? null : t.name)} title={t.description ?? undefined}>{t.tool}</button>
          ))}
        </div>
        {open && (() => { const t = tools.find((x) => x.name === open); return t ? <div style={{ marginTop: 8 }}><p className="small">{t.description}</p><Json value={t.inputSchema} /></div> : null; })()}
      </div>
    </article>
  );
}

function RegisterServer({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [form, setForm] = useState({ id: "", name: "", transport: "stdio", command: "", args: "", url: "" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = form.transport === "stdio"
        ? { id: form.id || null, name: form.name, transport: "stdio", command: form.command, args: form.args.split(/\s+/).filter(Boolean) }
        : { id: form.id || null, name: form.name, transport: form.transport, url: form.url };
      await api.post("/api/mcp/servers", body);
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title="Register an MCP server" onClose={onClose}>
      <form onSubmit={submit}>
        {error != null && <ErrorBox error={error} />}
        {error instanceof ApiError && error.status === 404 && <p className="muted small">This server cannot register MCP servers through the API.</p>}
        <label className="field">Id <span className="hint">Short name used in tool names (server/tool).</span><input value={form.id} onChange={(e) => set("id", e.target.value)} placeholder="everything" data-testid="server-id" /></label>
        <label className="field">Name<input value={form.name} onChange={(e) => set("name", e.target.value)} required data-testid="server-name" /></label>
        <label className="field">Transport
          <select value={form.transport} onChange={(e) => set("transport", e.target.value)}>
            <option value="stdio">stdio (a local command)</option>
            <option value="streamable_http">Streamable HTTP</option>
            <option value="sse">SSE</option>
          </select>
        </label>
        {form.transport === "stdio" ? (
          <>
            <label className="field">Command<input value={form.command} onChange={(e) => set("command", e.target.value)} required placeholder="node" data-testid="server-command" /></label>
            <label className="field">Arguments <span className="hint">Separated by spaces.</span><input value={form.args} onChange={(e) => set("args", e.target.value)} data-testid="server-args" /></label>
          </>
        ) : (
          <label className="field">URL<input type="url" value={form.url} onChange={(e) => set("url", e.target.value)} required /></label>
        )}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="server-submit">Register</button>
        </div>
      </form>
    </Modal>
  );
}
