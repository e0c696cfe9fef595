using ControlTower.Server.Runs;
using ControlTower.Server.Slos;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Operations;

internal static class OperationsServiceCollectionExtensions
{
    /// <summary>Operations: run and queue metrics, the rolling summary store, component health, SLOs and their alerts.</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OperationsOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WorkerLoad>();
        services.AddSingleton<OperationsSnapshot>();
        services.AddHostedService(provider => provider.GetRequiredService<OperationsSnapshot>());
        services.AddSingleton<OperationsMetrics>();
        services.AddSingleton<ApprovalMetrics>();
        services.AddSingleton<RollingMetrics>();
        services.AddSingleton<MetricsSummaryService>();
        services.AddSingleton<IInterceptor, RunOutcomeInterceptor>();
        services.AddHealthChecks().AddComponentChecks();
        services.AddSlos(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder routes)
    {
        // The gauges exist once their owner does: created here, before the first scrape, not by whoever asks first.
        routes.ServiceProvider.GetRequiredService<OperationsMetrics>();
        routes.ServiceProvider.GetRequiredService<RollingMetrics>();
        routes.MapOperationsEndpoints();
        routes.MapSloEndpoints();
        return routes;
    }
}
