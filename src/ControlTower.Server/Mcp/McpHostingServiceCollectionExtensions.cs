namespace ControlTower.Server.Mcp;

internal static class McpHostingServiceCollectionExtensions
{
    /// <summary>
    /// The parts of MCP that need the database and the engine: the persisted registry (loaded into the
    /// in-memory registry at start), the catalog loader behind the merged views, and Control Tower's own
    /// MCP server. Call after the platform initializer is registered (it migrates first).
    /// </summary>
    public static IServiceCollection AddMcpHosting(this IServiceCollection services)
    {
        services.AddSingleton<McpServerStore>();
        services.AddHostedService<McpServerStartup>();
        services.AddSingleton<McpCatalogLoader>();
        services.AddSingleton<McpHost.PublishedWorkflows>();
        services.AddSingleton<McpHost.WaitingRuns>();
        services.AddSingleton<McpHost.WorkflowPrompts>();
        services.AddSingleton<McpHost.ResourceSubscriptions>();
        services.AddSingleton<McpHost.ControlTowerMcpServer>();
        McpHost.McpHttpEndpoint.AddControlTowerMcpHttp(services);
        return services;
    }
}
