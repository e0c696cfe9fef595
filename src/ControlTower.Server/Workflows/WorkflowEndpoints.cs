using System.Security.Claims;
using ControlTower.Core.Expressions;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlTower.Server.Workflows;

internal static class WorkflowEndpoints
{
    public static IEndpointRouteBuilder MapWorkflowEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Workflows");
        api.MapGet("/node-types", async (WorkflowGraphValidation validation, Mcp.McpCatalogLoader loader, Mcp.McpCatalog catalog, NodeSwitches.NodeTypeSwitches switches, CancellationToken ct) =>
            {
                await loader.EnsureLoadedAsync(ct);
                return TypedResults.Ok(await switches.AnnotateAsync(Mcp.McpNodeTypeSchema.WithTools(validation.Catalog.ToJson(), catalog.AllTools()), ct));
            })
            .RequireAuthorization(Policies.Anyone);
        api.MapPost("/expressions/validate", (ValidateExpressionRequest request) =>
                TypedResults.Ok(new ExpressionValidationResponse(request.Template ? CelTemplate.Check(request.Expression) : Cel.Check(request.Expression))))
            .RequireAuthorization(Policies.Anyone);

        var read = api.MapGroup("/workflows").RequireAuthorization(Policies.Readers);
        read.MapGet("/", async (string? search, WorkflowService workflows, CancellationToken ct) =>
            TypedResults.Ok(await workflows.ListAsync(search, ct)));
        read.MapGet("/{id:guid}", async (Guid id, int? version, WorkflowService workflows, CancellationToken ct) =>
            TypedResults.Ok(await workflows.GetAsync(id, version, ct)));
        read.MapGet("/{id:guid}/versions", async (Guid id, WorkflowService workflows, CancellationToken ct) =>
            TypedResults.Ok(await workflows.ListVersionsAsync(id, ct)));
        read.MapGet("/{id:guid}/versions/{version:int}", async (Guid id, int version, WorkflowService workflows, CancellationToken ct) =>
            TypedResults.Ok(await workflows.GetAsync(id, version, ct)));
        read.MapGet("/{id:guid}/diff", async (Guid id, int from, int to, WorkflowService workflows, CancellationToken ct) =>
            TypedResults.Ok(await workflows.DiffAsync(id, from, to, ct)));
        read.MapGet("/{id:guid}/shares", async (Guid id, ClaimsPrincipal user, WorkflowSharing sharing, CancellationToken ct) =>
            TypedResults.Ok(await sharing.GetAsync(id, WorkflowCaller.Of(user), ct)));
        read.MapGet("/{id:guid}/export", async (Guid id, int? version, WorkflowService workflows, CancellationToken ct) =>
            TypedResults.Ok(await workflows.ExportAsync(id, version, ct)));

        var write = api.MapGroup("/workflows").RequireAuthorization(Policies.Operators);
        write.MapPost("/validate", async (ValidateGraphRequest request, ClaimsPrincipal user, WorkflowService workflows, CancellationToken ct) =>
        {
            var (problems, warnings) = await workflows.ProblemsAsync(request.Graph, user.UserId(), ct);
            return TypedResults.Ok(new ValidationResponse(problems.Count == 0, problems) { Warnings = warnings });
        });
        write.MapPost("/", async Task<Created<WorkflowDetail>> (CreateWorkflowRequest request, ClaimsPrincipal user, WorkflowService workflows, CancellationToken ct) =>
        {
            var created = await workflows.CreateAsync(user.Actor(), user.UserId(), request, ct);
            return TypedResults.Created($"/api/workflows/{created.Workflow.Id}", created);
        });
        write.MapPost("/import", async Task<Created<WorkflowDetail>> (WorkflowExport document, ClaimsPrincipal user, WorkflowService workflows, CancellationToken ct) =>
        {
            var created = await workflows.ImportAsync(user.Actor(), user.UserId(), document, ct);
            return TypedResults.Created($"/api/workflows/{created.Workflow.Id}", created);
        });
        write.MapPost("/{id:guid}/versions", async Task<Created<WorkflowDetail>> (Guid id, SaveVersionRequest request, ClaimsPrincipal user, WorkflowService workflows, CancellationToken ct) =>
        {
            var saved = await workflows.SaveVersionAsync(WorkflowCaller.Of(user), id, request, ct);
            return TypedResults.Created($"/api/workflows/{id}/versions/{saved.Version.Version}", saved);
        });
        write.MapPost("/{id:guid}/enable", async (Guid id, SetEnabledRequest? request, ClaimsPrincipal user, WorkflowService workflows, CancellationToken ct) =>
            TypedResults.Ok(await workflows.SetEnabledAsync(WorkflowCaller.Of(user), id, true, request?.Reason, ct)));
        write.MapPost("/{id:guid}/disable", async (Guid id, SetEnabledRequest? request, ClaimsPrincipal user, WorkflowService workflows, CancellationToken ct) =>
            TypedResults.Ok(await workflows.SetEnabledAsync(WorkflowCaller.Of(user), id, false, request?.Reason, ct)));
        write.MapPut("/{id:guid}/shares", async (Guid id, PutWorkflowSharesRequest request, ClaimsPrincipal user, WorkflowSharing sharing, CancellationToken ct) =>
            TypedResults.Ok(await sharing.PutAsync(id, WorkflowCaller.Of(user), request, ct)));
        return routes;
    }
}
