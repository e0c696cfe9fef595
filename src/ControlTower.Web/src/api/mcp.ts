// MCP servers and their merged tool catalog. Types come from the server's OpenAPI document, except the tools' JSON
// Schemas, which the document gives only as objects.
import { api, getOptional } from "../api";
import type { JsonSchema } from "./nodeTypes";
import type { Present, Schemas } from "./schemas";

/** One tool of the merged MCP catalog (`/api/mcp/tools`), named `server/tool`. */
export type McpTool = Present<Omit<Schemas["McpToolEntry"], "inputSchema" | "outputSchema">, "name" | "server" | "tool"> & {
  inputSchema: JsonSchema;
  outputSchema: JsonSchema | null;
};
/** A server whose catalog could not be fetched (down, slow to start, or needing a credential to connect). */
export type McpCatalogProblem = Present<Schemas["McpCatalogProblem"], "serverId" | "code" | "message">;
export type McpCatalog = { tools: McpTool[]; problems: McpCatalogProblem[] };
export type McpServer = Present<Schemas["McpServerView"], "id" | "name" | "transport" | "args" | "envNames" | "headerNames">;
export type McpHealth = Present<Omit<Schemas["McpServerHealth"], "lastError">, "serverId" | "breakerState"> & {
  lastError: Present<Schemas["McpErrorInfo"], "code" | "message"> | null;
};

// Each read answers null when the server runs without MCP (the routes are absent).
export const mcpApi = {
  servers: () => getOptional<McpServer[]>("/api/mcp/servers"),
  tools: () => getOptional<McpCatalog>("/api/mcp/tools"),
  health: (serverId: string) => getOptional<McpHealth>(`/api/mcp/servers/${encodeURIComponent(serverId)}/health`),
  register: (body: Schemas["McpServerRequest"]) => api.post<McpServer>("/api/mcp/servers", body),
  /** Opens (or reuses) a session and reads the catalog: whether it worked, the tool count and the time it took. */
  test: (serverId: string) => api.post<Schemas["McpConnectionTest"]>(`/api/mcp/servers/${encodeURIComponent(serverId)}/test`, {}),
  /** Calls a tool that declares itself read-only; any other is refused (it runs in a workflow, under governance). */
  tryTool: (serverId: string, tool: string, args: Record<string, unknown>) =>
    api.post<Schemas["McpTryResult"]>(`/api/mcp/servers/${encodeURIComponent(serverId)}/tools/${encodeURIComponent(tool)}/try`, {
      arguments: args,
    }),
  /** Switches the server on when it is off and off when it is on. */
  toggle: (s: Pick<McpServer, "id" | "enabled">) =>
    api.post<McpServer>(`/api/mcp/servers/${encodeURIComponent(s.id)}/${s.enabled ? "disable" : "enable"}`, {}),
};
