using System.Security.Claims;
using System.Text.Json.Nodes;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlTower.Server.Mcp;

/// <summary>
/// <c>/api/mcp</c>: the server registry (CRUD, enable/disable, health) and the merged catalogs of all
/// enabled servers (<c>tools</c> as <c>server/tool</c>, <c>resources</c>, <c>prompts</c>). Responses name
/// environment variables and headers of a definition but never show their values.
/// </summary>
internal static class McpEndpoints
{
    public static IEndpointRouteBuilder MapMcpEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/mcp").WithTags("MCP");
        var read = api.MapGroup("/").RequireAuthorization(Policies.Readers);
        var write = api.MapGroup("/servers").RequireAuthorization(Policies.Operators);

        read.MapGet("/servers", async (McpServerStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)));
        read.MapGet("/servers/{id}", async (string id, McpServerStore store, CancellationToken ct) => TypedResults.Ok(await store.GetAsync(id, ct)));
        read.MapGet("/servers/{id}/health", (string id, McpToolInvoker invoker) => TypedResults.Ok(invoker.GetHealth(id)));

        write.MapPost("/", async Task<Created<McpServerView>> (McpServerRequest request, ClaimsPrincipal user, McpServerStore store, CancellationToken ct) =>
        {
            var created = await store.CreateAsync(Caller(user), request, ct);
            return TypedResults.Created($"/api/mcp/servers/{created.Id}", created);
        });
        write.MapPut("/{id}", async (string id, McpServerRequest request, ClaimsPrincipal user, McpServerStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.UpdateAsync(Caller(user), id, request, ct)));
        write.MapDelete("/{id}", async (string id, ClaimsPrincipal user, McpServerStore store, CancellationToken ct) =>
        {
            await store.DeleteAsync(Caller(user), id, ct);
            return TypedResults.NoContent();
        });
        write.MapPost("/{id}/enable", async (string id, McpEnableRequest? request, ClaimsPrincipal user, McpServerStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.SetEnabledAsync(Caller(user), id, true, request?.Reason, ct)));
        write.MapPost("/{id}/disable", async (string id, McpEnableRequest? request, ClaimsPrincipal user, McpServerStore store, CancellationToken ct) =>
            TypedResults.Ok(await store.SetEnabledAsync(Caller(user), id, false, request?.Reason, ct)));

        read.MapGet("/tools", async (McpCatalogLoader loader, McpCatalog catalog, CancellationToken ct) =>
        {
            var problems = await loader.EnsureLoadedAsync(ct);
            return TypedResults.Ok(new { tools = catalog.AllTools().Select(ToolJson).ToArray(), problems });
        });
        read.MapGet("/resources", async (McpCatalogLoader loader, McpServerRegistry registry, McpCatalog catalog, CancellationToken ct) =>
        {
            var problems = await loader.EnsureLoadedAsync(ct);
            var resources = Snapshots(registry, catalog).SelectMany(s => s.Resources.Select(r => new { server = s.ServerId, r.Uri, r.Name, r.Description, r.MimeType }));
            return TypedResults.Ok(new { resources = resources.ToArray(), problems });
        });
        read.MapGet("/prompts", async (McpCatalogLoader loader, McpServerRegistry registry, McpCatalog catalog, CancellationToken ct) =>
        {
            var problems = await loader.EnsureLoadedAsync(ct);
            var prompts = Snapshots(registry, catalog).SelectMany(s => s.Prompts.Select(p => new { name = $"{s.ServerId}/{p.Name}", server = s.ServerId, prompt = p.Name, p.Description, p.Arguments }));
            return TypedResults.Ok(new { prompts = prompts.ToArray(), problems });
        });
        return routes;
    }

    /// <summary>One tool of the merged catalog, also the shape of <c>x-tools</c> entries in <c>/api/node-types</c>.</summary>
    public static JsonObject ToolJson(McpToolInfo tool) => new()
    {
        ["name"] = tool.QualifiedName,
        ["server"] = tool.ServerId,
        ["tool"] = tool.Name,
        ["title"] = tool.Title,
        ["description"] = tool.Description,
        ["inputSchema"] = tool.InputSchema.DeepClone(),
        ["outputSchema"] = tool.OutputSchema?.DeepClone(),
        ["annotations"] = tool.Annotations is not { } a ? null : new JsonObject
        {
            ["title"] = a.Title, ["readOnlyHint"] = a.ReadOnlyHint, ["destructiveHint"] = a.DestructiveHint,
            ["idempotentHint"] = a.IdempotentHint, ["openWorldHint"] = a.OpenWorldHint,
        },
    };

    private static IEnumerable<McpCatalogSnapshot> Snapshots(McpServerRegistry registry, McpCatalog catalog) =>
        registry.List().Where(s => s.Enabled).Select(s => catalog.Get(s.Id)).OfType<McpCatalogSnapshot>();

    private static McpCaller Caller(ClaimsPrincipal user) => new(user.UserId(), user.Role(), user.Actor());
}
