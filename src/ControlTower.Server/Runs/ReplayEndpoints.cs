using System.Security.Claims;
using ControlTower.Server.Identity;
using ControlTower.Server.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Runs;

internal static class ReplayEndpoints
{
    /// <summary>
    /// <c>POST /api/runs/{id}/replay</c> <c>{ version? }</c>: replays a finished run; 200 with the
    /// difference report once the replay finished, 202 with the unfinished report if it takes longer
    /// than <c>REPLAY_WAIT_SECONDS</c>. <c>GET /api/runs/{id}/replay</c> (the replay's id) reads the report.
    /// </summary>
    public static IEndpointRouteBuilder MapReplayEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/runs/{id:guid}/replay", ReplayAsync).RequireAuthorization(Policies.Operators).WithTags("Runs");
        routes.MapGet("/api/runs/{id:guid}/replay", async (Guid id, RunReplayer replayer, CancellationToken ct) =>
                TypedResults.Ok(await replayer.ReportAsync(id, ct)))
            .RequireAuthorization(Policies.Readers).WithTags("Runs");
        return routes;
    }

    private static async Task<Results<Ok<ReplayReport>, Accepted<ReplayReport>>> ReplayAsync(
        Guid id,
        ReplayRunBody? body,
        ClaimsPrincipal user,
        RunReplayer replayer,
        RunService runs,
        Workflows.WorkflowSharing sharing,
        IOptions<TriggerOptions> options,
        CancellationToken ct)
    {
        // A replay runs as the caller, so it needs the same right as a start.
        await sharing.EnsureCanRunAsync((await runs.GetAsync(id, ct)).WorkflowId, Workflows.WorkflowCaller.Of(user), ct);
        var report = await replayer.ReplayAsync(user.Actor(), user.UserId(), id, body?.Version, options.Value.ReplayWait, ct);
        return report.Finished ? TypedResults.Ok(report) : TypedResults.Accepted($"/api/runs/{report.RunId}/replay", report);
    }
}
