using ControlTower.Core.Expressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Nodes;

internal static class NodesServiceCollectionExtensions
{
    /// <summary>
    /// Registers every node executor, the <see cref="NodeExecutorRegistry"/>, the shared CEL compile cache,
    /// and the guarded <c>http.request</c> client. <see cref="HttpNodeOptions"/> bind from the flat keys
    /// <c>HTTP_NODE_ALLOW</c> / <c>HTTP_NODE_DENY</c> of the host's configuration. <c>mcp.tool</c> needs
    /// the MCP federation (<c>AddMcpFederation</c>).
    /// </summary>
    public static IServiceCollection AddNodeExecutors(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new CelCompileCache());
        services.AddSingleton<NodeExpressions>();

        services.AddOptions<HttpNodeOptions>()
            .Configure<IServiceProvider>((options, provider) => provider.GetService<IConfiguration>()?.Bind(options))
            .Validate(o => HttpDestinationPolicy.TryParse(o.Allow, o.Deny, out _), "HTTP_NODE_ALLOW and HTTP_NODE_DENY must be comma lists of host names, IP addresses and CIDR ranges.")
            .ValidateOnStart();
        services.AddSingleton<HttpDestinationGuard>();
        services.AddHttpClient(HttpRequestExecutor.ClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<HttpDestinationGuard>().CreateHandler())
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers(); // The default loggers write whole URLs, and a URL may carry a secret.

        services.AddSingleton<INodeExecutor, TransformExecutor>();
        services.AddSingleton<INodeExecutor, ConditionExecutor>();
        services.AddSingleton<INodeExecutor, SwitchExecutor>();
        services.AddSingleton<INodeExecutor, MergeExecutor>();
        services.AddSingleton<INodeExecutor, RespondExecutor>();
        services.AddSingleton<INodeExecutor, FailExecutor>();
        services.AddSingleton<INodeExecutor, DelayExecutor>();
        services.AddSingleton<INodeExecutor, SubworkflowExecutor>();
        services.AddSingleton<INodeExecutor, HttpRequestExecutor>();
        services.AddSingleton<INodeExecutor, McpToolExecutor>();
        services.AddSingleton<INodeExecutor, Governance.ApprovalExecutor>();
        services.AddSingleton<INodeExecutor, Governance.GovernedActionExecutor>();
        services.AddSingleton<INodeExecutor, Rules.RulesExecutor>();
        services.AddSingleton<NodeExecutorRegistry>();
        return services;
    }
}
