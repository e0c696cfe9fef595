using System.Security.Claims;
using System.Text.Json;
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
            return TypedResults.Ok(new McpToolsResponse([.. catalog.AllTools().Select(ToolEntry)], problems));
        });
        read.MapGet("/resources", async (McpCatalogLoader loader, McpServerRegistry registry, McpCatalog catalog, CancellationToken ct) =>
        {
            var problems = await loader.EnsureLoadedAsync(ct);
            var resources = Snapshots(registry, catalog).SelectMany(s => s.Resources.Select(r => new McpResourceEntry(s.ServerId, r.Uri, r.Name, r.Description, r.MimeType)));
            return TypedResults.Ok(new McpResourcesResponse([.. resources], problems));
        });
        read.MapGet("/prompts", async (McpCatalogLoader loader, McpServerRegistry registry, McpCatalog catalog, CancellationToken ct) =>
        {
            var problems = await loader.EnsureLoadedAsync(ct);
            var prompts = Snapshots(registry, catalog).SelectMany(s => s.Prompts.Select(p => new McpPromptEntry($"{s.ServerId}/{p.Name}", s.ServerId, p.Name, p.Description, p.Arguments)));
            return TypedResults.Ok(new McpPromptsResponse([.. prompts], problems));
        });
        return routes;
    }

    public static McpToolEntry ToolEntry(McpToolInfo tool) => new(
        tool.QualifiedName, tool.ServerId, tool.Name, tool.Title, tool.Description,
        (JsonObject)tool.InputSchema.DeepClone(), (JsonObject?)tool.OutputSchema?.DeepClone(), tool.Annotations);

    /// <summary>A tool as <see cref="ToolEntry"/> writes it, for the node-type catalog (a JSON document).</summary>
    public static JsonObject ToolJson(McpToolInfo tool) => JsonSerializer.SerializeToNode(ToolEntry(tool), JsonSerializerOptions.Web)!.AsObject();

    private static IEnumerable<McpCatalogSnapshot> Snapshots(McpServerRegistry registry, McpCatalog catalog) =>
        registry.List().Where(s => s.Enabled).Select(s => catalog.Get(s.Id)).OfType<McpCatalogSnapshot>();

    private static McpCaller Caller(ClaimsPrincipal user) => new(user.UserId(), user.Role(), user.Actor());
}
