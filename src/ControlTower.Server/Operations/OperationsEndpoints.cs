using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Runs;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Operations;

internal static class OperationsEndpoints
{
    /// <summary>The scheme of the scrape key (<c>Authorization: Metrics &lt;key&gt;</c>): not <c>Bearer</c>, so API-key authentication never counts it as a failed key.</summary>
    public const string ScrapeScheme = "Metrics";

    /// <summary>
    /// <c>/metrics</c> (Prometheus text; readers, or the configured scrape key), <c>GET /api/metrics/summary</c> and
    /// <c>GET /health</c> (readers), <c>GET /api/settings</c> (any signed-in caller).
    /// </summary>
    public static IEndpointRouteBuilder MapOperationsEndpoints(this IEndpointRouteBuilder routes)
    {
        var options = routes.ServiceProvider.GetRequiredService<IOptions<OperationsOptions>>().Value;
        if (options.MetricsScrapeKey is { } key)
        {
            routes.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(RequireScrapeKey(key)), optionsName: null)
                .AllowAnonymous();
        }
        else
        {
            routes.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(Policies.Readers);
        }

        routes.MapGet("/api/metrics/summary", async (string? window, MetricsSummaryService summaries, CancellationToken ct) =>
            TypedResults.Ok(await summaries.SummarizeAsync(window, ct)))
            .WithTags("Operations").RequireAuthorization(Policies.Readers);
        routes.MapHealthChecks("/health", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ComponentHealthChecks.Tag), ResponseWriter = WriteHealthAsync })
            .RequireAuthorization(Policies.Readers);
        routes.MapGet("/api/settings", (IOptions<PlatformOptions> platform, IOptions<EngineOptions> engine, IOptions<LoadSheddingOptions> shedding,
                IOptions<TelemetryOptions> telemetry, IOptions<OperationsOptions> operations, Slos.SloCatalog slos) =>
            TypedResults.Ok(RuntimeSettings.From(platform.Value, engine.Value, shedding.Value, telemetry.Value, operations.Value, slos)))
            .WithTags("Operations").RequireAuthorization(Policies.Anyone);
        return routes;
    }

    private static Func<HttpContext, RequestDelegate, Task> RequireScrapeKey(string key)
    {
        var expected = Encoding.UTF8.GetBytes(key);
        return async (context, next) =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            var presented = header.StartsWith(ScrapeScheme + " ", StringComparison.OrdinalIgnoreCase)
                ? Encoding.UTF8.GetBytes(header[(ScrapeScheme.Length + 1)..].Trim())
                : [];
            if (CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = $"{ScrapeScheme} realm=\"controltower-metrics\"";
            var problem = new ProblemDetails { Status = 401, Title = "Authentication required", Detail = "Send the scrape key as 'Authorization: Metrics <key>'." };
            problem.Extensions["code"] = ErrorCodes.AuthenticationRequired;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
        };
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(
            new ComponentHealthReport(
                Name(report.Status),
                Math.Round(report.TotalDuration.TotalMilliseconds, 2),
                report.Entries.ToDictionary(
                    entry => entry.Key,
                    entry => new ComponentHealth(
                        Name(entry.Value.Status),
                        entry.Value.Description,
                        Math.Round(entry.Value.Duration.TotalMilliseconds, 2),
                        entry.Value.Data))),
            JsonSerializerOptions.Web);

    private static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();
}

/// <summary><c>GET /health</c>: each component's state (database, engine, MCP servers, ...), with what it measured.</summary>
internal sealed record ComponentHealthReport(string Status, double TotalDurationMs, IReadOnlyDictionary<string, ComponentHealth> Components);

internal sealed record ComponentHealth(string Status, string? Description, double DurationMs, IReadOnlyDictionary<string, object> Data);
