using Microsoft.Extensions.Configuration;

namespace ControlTower.Server.Planning;

internal static class PlanningServiceCollectionExtensions
{
    /// <summary>The planner: <see cref="PlannerOptions"/> (validated at start), both planners behind the seam, the service that picks one.</summary>
    public static IServiceCollection AddPlanning(this IServiceCollection services)
    {
        services.AddOptions<PlannerOptions>()
            .Configure<IServiceProvider>((options, provider) => provider.GetService<IConfiguration>()?.Bind(options))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton<PlannerMetrics>();
        services.AddSingleton<IWorkflowPlanner, OfflineWorkflowPlanner>();
        services.AddSingleton<IWorkflowPlanner, LlmWorkflowPlanner>();
        services.AddSingleton<PlannerService>();
        return services;
    }
}
