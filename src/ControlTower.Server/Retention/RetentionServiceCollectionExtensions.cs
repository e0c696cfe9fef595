using System.Security.Claims;
using ControlTower.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ControlTower.Server.Retention;

internal static class RetentionServiceCollectionExtensions
{
    /// <summary>The pruner (and, with <c>RETENTION_PRUNE</c>, the default, its background loop) and run holds.</summary>
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PruneLease>();
        services.AddSingleton<RunPruner>();
        services.AddSingleton<RunHolds>();
        if ((configuration.Get<RetentionOptions>() ?? new RetentionOptions()).PruneEnabled)
        {
            services.AddHostedService<RetentionWorker>();
        }

        return services;
    }

    /// <summary><c>GET|PUT|DELETE /api/runs/{id}/hold</c>: whether a person keeps the run out of retention; keep it; let it go.</summary>
    public static IEndpointRouteBuilder MapRetentionEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/runs/{id:guid}/hold", async Task<Results<Ok<RunHoldView>, NoContent>> (Guid id, RunHolds holds, CancellationToken ct) =>
            await holds.FindAsync(id, ct) is { } hold ? TypedResults.Ok(hold) : TypedResults.NoContent())
            .RequireAuthorization(Policies.Readers).WithTags("Runs");
        routes.MapPut("/api/runs/{id:guid}/hold", async (Guid id, HoldRunBody? body, ClaimsPrincipal user, RunHolds holds, CancellationToken ct) =>
            TypedResults.Ok(await holds.HoldAsync(user.Actor(), id, body?.Reason, ct)))
            .RequireAuthorization(Policies.Operators).WithTags("Runs");
        routes.MapDelete("/api/runs/{id:guid}/hold", async (Guid id, ClaimsPrincipal user, RunHolds holds, CancellationToken ct) =>
        {
            await holds.ReleaseAsync(user.Actor(), id, ct);
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.Operators).WithTags("Runs");
        return routes;
    }
}
