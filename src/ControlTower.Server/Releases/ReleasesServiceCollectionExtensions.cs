namespace ControlTower.Server.Releases;

internal static class ReleasesServiceCollectionExtensions
{
    /// <summary>Releases: the router every start consults, the API's service, and (with <c>RELEASE_CHECKS</c>, the default) the canary and shadow loop.</summary>
    public static IServiceCollection AddReleases(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReleaseOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ReleaseMetrics>();
        services.AddSingleton<WorkflowRoutes>();
        services.AddSingleton<ReleaseRouter>();
        services.AddSingleton<ReleaseService>();
        services.AddSingleton<CanaryMonitor>();
        services.AddSingleton<ShadowRuns>();
        if ((configuration.Get<ReleaseOptions>() ?? new ReleaseOptions()).ChecksEnabled)
        {
            services.AddHostedService<ReleaseWorker>();
        }

        return services;
    }
}
