using System.Text.Json.Nodes;

namespace ControlTower.Server.Mcp;

/// <summary>One tool of the merged catalog, also the shape of <c>x-tools</c> entries in <c>/api/node-types</c>. The schemas are the server's own.</summary>
internal sealed record McpToolEntry(
    string Name,
    string Server,
    string Tool,
    string? Title,
    string? Description,
    JsonObject InputSchema,
    JsonObject? OutputSchema,
    McpToolAnnotations? Annotations);

/// <summary><c>GET /api/mcp/tools</c>: every enabled server's tools as <c>server/tool</c>, and the servers that could not be listed.</summary>
internal sealed record McpToolsResponse(IReadOnlyList<McpToolEntry> Tools, IReadOnlyList<McpCatalogProblem> Problems);

internal sealed record McpResourceEntry(string Server, string Uri, string Name, string? Description, string? MimeType);

/// <summary><c>GET /api/mcp/resources</c>.</summary>
internal sealed record McpResourcesResponse(IReadOnlyList<McpResourceEntry> Resources, IReadOnlyList<McpCatalogProblem> Problems);

internal sealed record McpPromptEntry(string Name, string Server, string Prompt, string? Description, IReadOnlyList<McpPromptArgumentInfo> Arguments);

/// <summary><c>GET /api/mcp/prompts</c>.</summary>
internal sealed record McpPromptsResponse(IReadOnlyList<McpPromptEntry> Prompts, IReadOnlyList<McpCatalogProblem> Problems);
