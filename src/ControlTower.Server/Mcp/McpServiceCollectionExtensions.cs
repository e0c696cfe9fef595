using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ControlTower.Server.Mcp;

internal static class McpServiceCollectionExtensions
{
    /// <summary>
    /// Registers the MCP federation: registry (in memory for now), catalog, connection pool, resilience,
    /// health, metrics and the tool invoker. Options bind from the "Mcp" configuration section.
    /// </summary>
    public static IServiceCollection AddMcpFederation(this IServiceCollection services)
    {
        services.AddOptions<McpFederationOptions>()
            .BindConfiguration(McpFederationOptions.SectionName)
            .Validate(o => o.IsValid(), "Mcp options are out of range (timeouts must be positive, BreakerMinimumThroughput >= 2, durations >= 0.5 s).")
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<McpServerRegistry>();
        services.AddSingleton<McpCatalog>();
        services.AddSingleton<McpHealthTracker>();
        services.AddSingleton<McpMetrics>();
        services.AddSingleton<McpResilience>();
        services.AddSingleton<McpConnectionPool>();
        services.AddSingleton<McpToolInvoker>();
        return services;
    }
}
