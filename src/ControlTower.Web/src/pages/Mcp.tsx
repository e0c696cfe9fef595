import { useState } from "react";
import { ApiError } from "../api";
import type { JsonSchema } from "../api/nodeTypes";
import { mcpApi, type McpCatalogProblem, type McpServer, type McpTool } from "../api/mcp";
import { Badge, Empty, ErrorBox, Json, Loading, Modal, PageHeader, useAsync, useToast, when, useSubmit } from "../ui";
import { TestConnection } from "./mcp/TestConnection";
import { TryTool } from "./mcp/TryTool";

export function McpPage() {
  const servers = useAsync(() => mcpApi.servers(), []);
  const tools = useAsync(() => mcpApi.tools(), [servers.data]);
  const [registering, setRegistering] = useState(false);
  const [toast, say] = useToast();
  const [error, setError] = useState<unknown>(null);
  const unavailable = servers.data === null && !servers.loading && servers.error == null;

  const toggle = async (s: McpServer) => {
    setError(null);
    try {
      await mcpApi.toggle(s);
      say(`${s.name} ${s.enabled ? "disabled" : "enabled"}`);
      servers.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <PageHeader
        title="MCP servers"
        subtitle="Tool servers federated into Control Tower: their tools become nodes in the editor's palette."
        actions={
          !unavailable && (
            <button className="btn primary" onClick={() => setRegistering(true)} data-testid="register-server">
              + Register server
            </button>
          )
        }
      />
      {unavailable && (
        <Empty title="MCP server management is not available on this server">
          This server does not expose <code>/api/mcp/servers</code> yet. Servers configured in its settings still work in workflows.
        </Empty>
      )}
      {error != null && <ErrorBox error={error} />}
      {servers.error != null && <ErrorBox error={servers.error} onRetry={servers.reload} />}
      {tools.error != null && <ErrorBox error={tools.error} onRetry={tools.reload} />}
      {servers.loading && !servers.data && <Loading label="Loading servers…" />}
      {servers.data && servers.data.length === 0 && (
        <Empty
          title="No MCP servers yet"
          action={
            <button className="btn primary" onClick={() => setRegistering(true)}>
              Register a server
            </button>
          }
        >
          Register a stdio command (for example <code>npx @modelcontextprotocol/server-everything</code>) or an HTTP endpoint.
        </Empty>
      )}
      <div className="stack">
        {servers.data?.map((s) => (
          <ServerCard
            key={s.id}
            server={s}
            onToggle={() => toggle(s)}
            onRetry={tools.reload}
            catalog={tools.data}
            toolsLoading={tools.loading}
            tools={(tools.data?.tools ?? []).filter((t) => t.server === s.id)}
            problem={tools.data?.problems?.find((p) => p.serverId === s.id)}
          />
        ))}
      </div>
      {registering && (
        <RegisterServer
          onClose={() => setRegistering(false)}
          onDone={() => {
            setRegistering(false);
            say("Server registered");
            servers.reload();
          }}
        />
      )}
      {toast}
    </>
  );
}

function ServerCard({
  server,
  tools,
  toolsLoading,
  catalog,
  problem,
  onToggle,
  onRetry,
}: {
  server: McpServer;
  tools: McpTool[];
  toolsLoading: boolean;
  catalog: unknown;
  problem?: McpCatalogProblem;
  onToggle: () => void;
  onRetry: () => void;
}) {
  // Reloaded with the catalog: listing the tools is what connects to the server, so the health changes with it.
  const health = useAsync(() => mcpApi.health(server.id), [server.id, catalog]);
  const [open, setOpen] = useState<string | null>(null);
  const h = health.data;
  const breaker = h ? breakerName(h.breakerState) : "";
  const openTool = tools.find((t) => t.name === open);
  return (
    <article className="card card-pad stack" data-testid={`server-${server.id}`}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <div>
          <h3>
            {server.name} <span className="muted mono small">{server.id}</span>
          </h3>
          <p className="muted small mono">
            {server.transport} · {server.url ?? [server.command, ...(server.args ?? [])].filter(Boolean).join(" ")}
          </p>
        </div>
        <div className="row">
          {h && (
            <span data-testid="server-health">
              <Badge status={breakerTone(breaker)}>breaker {breaker}</Badge>
            </span>
          )}
          <TestConnection serverId={server.id} name={server.name} />
          <button
            className="btn ghost sm"
            onClick={health.reload}
            aria-label={`Refresh the health of ${server.name}`}
            title="Refresh health"
          >
            ↻
          </button>
          <button
            className="switch"
            role="switch"
            aria-checked={server.enabled}
            aria-label={`${server.enabled ? "Disable" : "Enable"} ${server.name}`}
            onClick={onToggle}
          />
        </div>
      </div>
      {health.error != null && <ErrorBox error={health.error} onRetry={health.reload} />}
      {h && (
        <p className="small muted" data-testid="server-stats">
          {h.liveConnections ?? 0} live connection{h.liveConnections === 1 ? "" : "s"} · {h.calls ?? 0} calls · {h.failures ?? 0} failures ·
          p50 {h.p50Milliseconds != null ? `${Math.round(h.p50Milliseconds)} ms` : "—"} · p99{" "}
          {h.p99Milliseconds != null ? `${Math.round(h.p99Milliseconds)} ms` : "—"} · last success {when(h.lastSuccessAt)}
          {h.lastError?.message && (
            <>
              {" "}
              · last error <span className="field-error">{h.lastError.message}</span>
            </>
          )}
        </p>
      )}
      {problem && (
        <div className="error-box" role="alert" data-testid="server-problem">
          <div>
            <strong>Its tools could not be listed</strong>
            <code className="code-chip">{problem.code}</code>
          </div>
          <p>{problem.message}</p>
          <button className="btn" onClick={onRetry}>
            Try again
          </button>
        </div>
      )}
      <div>
        {toolsLoading && tools.length === 0 && !problem ? (
          <Loading label="Discovering tools…" />
        ) : (
          <strong className="small" data-testid="tool-count">
            {server.enabled ? `${tools.length} tool${tools.length === 1 ? "" : "s"}` : "Disabled: its tools are not offered"}
          </strong>
        )}
        <div className="row" style={{ flexWrap: "wrap", marginTop: 6 }} role="group" aria-label={`Tools of ${server.name}`}>
          {tools.map((t) => (
            <button
              key={t.name}
              className="btn sm mono"
              aria-expanded={open === t.name}
              onClick={() => setOpen(open === t.name ? null : t.name)}
              title={t.description ?? undefined}
              data-testid={`tool-${t.tool}`}
            >
              {t.tool}
            </button>
          ))}
        </div>
        {openTool && <ToolSchema tool={openTool} />}
      </div>
    </article>
  );
}

/** A tool's arguments as a table (name, type, description), with the raw input schema below. */
function ToolSchema({ tool }: { tool: McpTool }) {
  const schema = tool.inputSchema ?? {};
  const props = Object.entries(schema.properties ?? {});
  const required = schema.required ?? [];
  return (
    <div className="tool-schema" data-testid="tool-schema">
      <div>
        <strong className="mono">{tool.name}</strong>
        {tool.title && <span className="muted"> · {tool.title}</span>}
      </div>
      {tool.description && <p className="small">{tool.description}</p>}
      {props.length === 0 ? (
        <p className="muted small">Takes no arguments.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Argument</th>
              <th>Type</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {props.map(([name, s]) => (
              <tr key={name} data-testid={`tool-arg-${name}`}>
                <td className="mono">
                  {name}
                  {required.includes(name) && (
                    <span className="field-error" title="required">
                      {" "}
                      *
                    </span>
                  )}
                </td>
                <td className="mono small">{typeLabel(s)}</td>
                <td className="small">
                  {s.description ?? <span className="muted">—</span>}
                  {s.default !== undefined && <span className="muted"> (default {JSON.stringify(s.default)})</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details>
        <summary className="small">Input schema (JSON)</summary>
        <Json value={tool.inputSchema} />
      </details>
      <TryTool tool={tool} />
    </div>
  );
}

/** Polly's circuit state ("Closed", "HalfOpen", "Isolated") as words: "closed", "half-open", "isolated". */
function breakerName(state: string): string {
  return state.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
}

function breakerTone(breaker: string): string {
  return breaker === "closed" ? "healthy" : breaker === "isolated" ? "open" : breaker;
}

function typeLabel(s: JsonSchema): string {
  const type = Array.isArray(s.type) ? s.type.join(" | ") : (s.type ?? "any");
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (type === "array" && s.items) return `${typeLabel(s.items)}[]`;
  const range = [s.minimum !== undefined ? `≥ ${s.minimum}` : "", s.maximum !== undefined ? `≤ ${s.maximum}` : ""]
    .filter(Boolean)
    .join(", ");
  return range ? `${type} (${range})` : type;
}

/** The id the server would accept, derived from the name when none is typed. */
function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .replace(/-+$/, "")
    .slice(0, 64);
}

/** Splits arguments on spaces, keeping "quoted parts" (single or double quotes) together. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) args.push(m[1] ?? m[2] ?? m[3]);
  return args;
}

function RegisterServer({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [form, setForm] = useState({ id: "", name: "", transport: "stdio", command: "", args: "", url: "" });
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const { busy, error, submit } = useSubmit(async () => {
    const body =
      form.transport === "stdio"
        ? { id: form.id.trim() || slug(form.name), name: form.name, transport: "stdio", command: form.command, args: splitArgs(form.args) }
        : { id: form.id.trim() || slug(form.name), name: form.name, transport: form.transport, url: form.url };
    await mcpApi.register(body);
    onDone();
  });
  return (
    <Modal title="Register an MCP server" onClose={onClose}>
      <form onSubmit={submit}>
        {error != null && <ErrorBox error={error} />}
        {error instanceof ApiError && error.status === 404 && (
          <p className="muted small">This server cannot register MCP servers through the API.</p>
        )}
        <label className="field">
          Name
          <input
            value={form.name}
            onChange={(e) => set("name", e.target.value)}
            required
            placeholder="Everything"
            data-testid="server-name"
          />
        </label>
        <label className="field">
          Id{" "}
          <span className="hint">
            Prefixes its tool names (server/tool); a-z, 0-9, '-', '_', '.'. Left empty, it is made from the name.
          </span>
          <input
            value={form.id}
            onChange={(e) => set("id", e.target.value)}
            placeholder={slug(form.name) || "everything"}
            pattern="[a-z0-9][a-z0-9_.\-]{0,63}"
            className="mono"
            data-testid="server-id"
          />
        </label>
        <label className="field">
          Transport
          <select value={form.transport} onChange={(e) => set("transport", e.target.value)} data-testid="server-transport">
            <option value="stdio">stdio (a local command)</option>
            <option value="streamable_http">Streamable HTTP</option>
            <option value="sse">SSE</option>
          </select>
        </label>
        {form.transport === "stdio" ? (
          <>
            <label className="field">
              Command
              <input
                value={form.command}
                onChange={(e) => set("command", e.target.value)}
                required
                placeholder="node"
                data-testid="server-command"
              />
            </label>
            <label className="field">
              Arguments <span className="hint">Separated by spaces; quote an argument that holds spaces.</span>
              <input
                value={form.args}
                onChange={(e) => set("args", e.target.value)}
                className="mono"
                placeholder="/opt/mcp/server-everything/dist/index.js stdio"
                data-testid="server-args"
              />
            </label>
          </>
        ) : (
          <label className="field">
            URL
            <input
              type="url"
              value={form.url}
              onChange={(e) => set("url", e.target.value)}
              required
              placeholder="https://tools.example.com/mcp"
              data-testid="server-url"
            />
          </label>
        )}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="server-submit">
            Register
          </button>
        </div>
      </form>
    </Modal>
  );
}
