using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ControlTower.Server.Platform.Observability;

/// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: the database answers and has every migration.</summary>
internal static class HealthEndpoints
{
    /// <summary>The checks <c>/health/ready</c> runs: the database check of <see cref="Operations.ComponentHealthChecks"/>.</summary>
    public const string ReadyTag = "ready";

    public static IServiceCollection AddPlatformHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks();
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        // Short-circuited right after routing: no authentication, rate limiting or load shedding, no check, no database.
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).ShortCircuit();
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return routes;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(
            new ProbeReport(
                report.Status.ToString().ToLowerInvariant(),
                report.Entries.ToDictionary(
                    entry => entry.Key,
                    entry => new ProbeCheck(entry.Value.Status.ToString().ToLowerInvariant(), entry.Value.Description))),
            JsonSerializerOptions.Web);
}

/// <summary><c>/health/live</c> and <c>/health/ready</c>: healthy (200) or unhealthy (503), and the checks run.</summary>
internal sealed record ProbeReport(string Status, IReadOnlyDictionary<string, ProbeCheck> Checks);

internal sealed record ProbeCheck(string Status, string? Description);
