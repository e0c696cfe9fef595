using System.Security.Claims;
using ControlTower.Server.Identity;
using ControlTower.Server.Workflows;

namespace ControlTower.Server.Releases;

internal static class ReleaseEndpoints
{
    /// <summary>
    /// <c>GET /api/workflows/{id}/release</c> (readers), <c>PUT …/release</c> and <c>POST …/release/rollback</c> (operators who
    /// may edit the workflow: owner, editor, admin), <c>GET …/release/shadow-report</c> (readers).
    /// </summary>
    public static IEndpointRouteBuilder MapReleaseEndpoints(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/api/workflows/{id:guid}/release").WithTags("Releases").RequireAuthorization(Policies.Readers);
        read.MapGet("/", async (Guid id, ReleaseService releases, CancellationToken ct) => TypedResults.Ok(await releases.GetAsync(id, ct)));
        read.MapGet("/shadow-report", async (Guid id, ShadowRuns shadows, CancellationToken ct) => TypedResults.Ok(await shadows.ReportAsync(id, ct)));

        var write = routes.MapGroup("/api/workflows/{id:guid}/release").WithTags("Releases").RequireAuthorization(Policies.Operators);
        write.MapPut("/", async (Guid id, PutReleaseRequest request, ClaimsPrincipal user, ReleaseService releases, CancellationToken ct) =>
            TypedResults.Ok(await releases.PutAsync(WorkflowCaller.Of(user), id, request, ct)));
        write.MapPost("/rollback", async (Guid id, RollbackReleaseRequest? request, ClaimsPrincipal user, ReleaseService releases, CancellationToken ct) =>
            TypedResults.Ok(await releases.RollbackAsync(WorkflowCaller.Of(user), id, request ?? new RollbackReleaseRequest(), ct)));
        return routes;
    }
}
