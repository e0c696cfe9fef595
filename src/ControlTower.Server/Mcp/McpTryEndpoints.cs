using System.Security.Claims;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Audit;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Mcp;

/// <summary>The result of "test connection": whether a session could be opened and its catalog read, and how long it took.</summary>
internal sealed record McpConnectionTest(string ServerId, bool Ok, int Tools, double Milliseconds, string? Error);

/// <summary>The body of "try it": the tool's arguments, checked against its input schema.</summary>
internal sealed record McpTryRequest(JsonObject? Arguments);

/// <summary>What a tried tool answered (an <c>isError</c> result is an answer, not a failed request).</summary>
internal sealed record McpTryResult(string ServerId, string Tool, bool IsError, string? ErrorMessage, JsonObject Output, double Milliseconds);

/// <summary>
/// <c>POST /api/mcp/servers/{id}/test</c> opens (or reuses) a session and reads the catalog;
/// <c>POST /api/mcp/servers/{id}/tools/{tool}/try</c> calls a tool that declares <c>readOnlyHint</c>, with the
/// server's own settings and no user credential, and audits the call (argument names only). A tool that may change
/// something is refused (<c>mcp.try_not_read_only</c>): it runs in a workflow, where rules, gates and trust apply.
/// </summary>
internal static class McpTryEndpoints
{
    public static IEndpointRouteBuilder MapMcpTryEndpoints(this IEndpointRouteBuilder routes)
    {
        var act = routes.MapGroup("/api/mcp/servers").WithTags("MCP").RequireAuthorization(Policies.Operators);
        act.MapPost("/{id}/test", TestAsync);
        act.MapPost("/{id}/tools/{tool}/try", TryAsync);
        return routes;
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<McpConnectionTest>> TestAsync(
        string id, McpServerRegistry registry, McpConnectionPool pool, McpCatalog catalog, CancellationToken ct)
    {
        _ = Known(registry, id);
        var probe = await pool.ProbeAsync(id, null, ct);
        var tools = probe.Ok ? catalog.Get(id)?.Tools.Count ?? 0 : 0;
        return TypedResults.Ok(new McpConnectionTest(id, probe.Ok, tools, probe.Milliseconds, probe.Error));
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<McpTryResult>> TryAsync(
        string id, string tool, McpTryRequest? body, ClaimsPrincipal user, McpServerRegistry registry, McpCatalogLoader loader,
        McpCatalog catalog, McpToolInvoker invoker, AuditLog audit, IDbContextFactory<ControlTowerDbContext> contexts, CancellationToken ct)
    {
        _ = Known(registry, id);
        await loader.EnsureLoadedAsync(ct);
        var info = catalog.Get(id)?.FindTool(tool)
            ?? throw new ControlTowerException(ErrorKind.NotFound, McpErrorCodes.ToolNotFound, $"MCP server '{id}' has no tool '{tool}'.");
        if (info.Annotations?.ReadOnlyHint != true)
        {
            throw new ControlTowerException(ErrorKind.Validation, McpErrorCodes.TryNotReadOnly,
                $"'{id}/{tool}' does not declare itself read-only, so it is not tried from here: run it in a workflow, where rules, gates and trust apply.");
        }

        var arguments = body?.Arguments ?? [];
        var result = await invoker.CallAsync(id, tool, arguments, new McpCallContext(), ct);
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var names = new JsonArray([.. arguments.Select(a => (JsonNode?)JsonValue.Create(a.Key))]);
            await audit.CommitAsync(db, new AuditEvent(user.Actor(), "mcp.tool_tried", $"mcp_server:{id}",
                $"tried the read-only tool '{tool}'", new JsonObject { ["tool"] = tool, ["arguments"] = names, ["isError"] = result.IsError }), ct);
        }

        return TypedResults.Ok(new McpTryResult(id, tool, result.IsError, result.ErrorMessage, result.Output, result.Duration.TotalMilliseconds));
    }

    private static McpServerDefinition Known(McpServerRegistry registry, string id) => registry.Get(id)
        ?? throw new ControlTowerException(ErrorKind.NotFound, McpErrorCodes.ServerNotFound, $"MCP server '{id}' is not registered.");
}
