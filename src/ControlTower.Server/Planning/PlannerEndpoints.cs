using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Core.Planning;
using ControlTower.Server.Identity;
using ControlTower.Server.Mcp;
using ControlTower.Server.Workflows;

namespace ControlTower.Server.Planning;

internal static class PlannerEndpoints
{
    /// <summary>
    /// <c>POST /api/planner/drafts</c> <c>{prompt, workflowId?, baseVersion?}</c>: a draft over the registered servers'
    /// catalog (the one <c>GET /api/mcp/tools</c> lists), for those who may create workflows (operator and up). Nothing is saved.
    /// </summary>
    public static IEndpointRouteBuilder MapPlannerEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/planner").WithTags("Planner").RequireAuthorization(Policies.Operators);
        api.MapPost("/drafts", async (DraftRequest request, PlannerService planner, WorkflowService workflows, McpCatalogLoader loader,
            McpServerRegistry registry, McpCatalog catalog, CancellationToken ct) =>
        {
            var prompt = planner.CheckPrompt(request.Prompt);
            WorkflowDetail? refined = null;
            if (request.WorkflowId is { } workflowId)
            {
                refined = await workflows.GetAsync(workflowId, request.BaseVersion, ct);
            }
            else if (request.BaseVersion is not null)
            {
                throw new ControlTowerException(ErrorKind.Validation, PlannerErrorCodes.BaseVersionWithoutWorkflow, "baseVersion needs the workflowId it is a version of.");
            }

            var (tools, unread) = await PlannerService.RegisteredCatalogAsync(loader, registry, catalog, ct);
            var draft = await planner.PlanAsync(new PlanRequest(prompt, tools, refined?.Graph), unread, ct);
            return TypedResults.Ok(new DraftResponse(draft.Graph, draft.Explanation, draft.Assumptions, draft.Problems, draft.Planner, draft.Model,
                refined?.Workflow.Id, refined?.Version.Version,
                refined is not null && draft.Graph is not null ? GraphDiff.Compute(WorkflowGraph.FromJson(refined.Graph), WorkflowGraph.FromJson(draft.Graph)) : null));
        });
        return routes;
    }
}
