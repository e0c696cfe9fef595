using System.Security.Claims;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlTower.Server.Governance;

internal static class ApprovalEndpoints
{
    /// <summary>
    /// <c>GET /api/approvals</c> (inbox: <c>?status=pending|closed|...&amp;mine=true&amp;role=&amp;workflowId=&amp;runId=&amp;offset=&amp;limit=</c>),
    /// <c>GET /api/approvals/{id}</c> (with its comments), <c>POST /api/approvals/{id}/comments</c> (readers), and <c>POST /api/approvals/{id}/decisions</c> with an <c>Idempotency-Key</c> header:
    /// 201 for a new decision, 200 for a repeat of the same key, 409 <c>approval.closed</c> once closed.
    /// Any signed-in person may call; who may decide is the approval's own list (and admins). <c>GET /api/approvals/deciders</c>
    /// (workflow editors) lists the roles and users an approval node can name.
    /// </summary>
    public static IEndpointRouteBuilder MapApprovalEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/approvals").WithTags("Approvals").RequireAuthorization(Policies.Anyone);
        group.MapGet("/", async (string? status, bool? mine, string? role, Guid? workflowId, Guid? runId, int? offset, int? limit,
            ClaimsPrincipal user, ApprovalService approvals, CancellationToken ct) =>
            TypedResults.Ok(await approvals.ListAsync(new ApprovalQuery(status, mine ?? false, role, workflowId, runId, offset ?? 0, limit ?? 50), user, ct)));
        group.MapGet("/deciders", async (ApprovalService approvals, CancellationToken ct) => TypedResults.Ok(await approvals.DecidersAsync(ct)))
            .RequireAuthorization(Policies.Operators);
        group.MapGet("/{id:guid}", async (Guid id, ApprovalService approvals, CancellationToken ct) => TypedResults.Ok(await approvals.GetAsync(id, ct)));
        group.MapPost("/{id:guid}/decisions", DecideAsync);
        group.MapPost("/{id:guid}/comments", async (Guid id, CommentBody body, ClaimsPrincipal user, ApprovalService approvals, CancellationToken ct) =>
            TypedResults.Created($"/api/approvals/{id}", await approvals.CommentAsync(id, user, body, ct))).RequireAuthorization(Policies.Readers);
        return routes;
    }

    private static async Task<Results<Created<DecisionResult>, Ok<DecisionResult>>> DecideAsync(
        Guid id, DecisionBody body, HttpRequest request, ClaimsPrincipal user, ApprovalService approvals, CancellationToken ct)
    {
        var key = request.Headers["Idempotency-Key"].ToString();
        var result = await approvals.DecideAsync(id, user, key.Length > 0 ? key : null, body, ct);
        return result.Repeated ? TypedResults.Ok(result) : TypedResults.Created($"/api/approvals/{id}", result);
    }
}
