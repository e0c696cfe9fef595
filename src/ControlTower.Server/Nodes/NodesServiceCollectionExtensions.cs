using ControlTower.Core.Expressions;
using ControlTower.Server.Llm;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Nodes;

internal static class NodesServiceCollectionExtensions
{
    /// <summary>
    /// Registers every node executor, the <see cref="NodeExecutorRegistry"/>, the shared CEL compile cache,
    /// and the guarded <c>http.request</c> client. <see cref="HttpNodeOptions"/> bind from the flat keys
    /// <c>HTTP_NODE_ALLOW</c> / <c>HTTP_NODE_DENY</c> of the host's configuration. <c>mcp.tool</c> needs
    /// the MCP federation (<c>AddMcpFederation</c>). The <c>llm</c> node's provider is registered by <see cref="AddLlm"/>.
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
        services.AddSingleton<SubworkflowChildren>();
        services.AddSingleton<INodeExecutor, SubworkflowExecutor>();
        services.AddSingleton<INodeExecutor, HttpRequestExecutor>();
        services.AddSingleton<INodeExecutor, McpToolExecutor>();
        AddLlm(services);
        services.AddSingleton<NodeExecutorRegistry>();
        return services;
    }

    /// <summary>
    /// The <c>llm</c> executor and its provider: <see cref="LlmOptions"/> from the flat keys <c>LLM_BASE_URL</c>,
    /// <c>LLM_API_KEY</c>, <c>LLM_TIMEOUT_SECONDS</c> and <c>LLM_MAX_CONCURRENCY</c> (validated at start), the
    /// OpenAI-compatible client (built at start, which registers the key with the secret registry), the
    /// "ControlTower.Llm" meter.
    /// </summary>
    private static void AddLlm(IServiceCollection services)
    {
        services.AddOptions<LlmOptions>()
            .Configure<IServiceProvider>((options, provider) => provider.GetService<IConfiguration>()?.Bind(options))
            .ValidateDataAnnotations()
            .Validate(o => o.HasValidBaseUrl(), "LLM_BASE_URL must be an absolute http or https URL (e.g. https://api.openai.com/v1).")
            .ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton<LlmMetrics>();
        services.AddSingleton<LlmChatClients>();
        services.AddSingleton<ILlmChatClient, OpenAiChatClient>();
        services.AddHostedService<LlmStartup>();
        services.AddHttpClient(LlmChatClients.ClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // LLM_TIMEOUT_SECONDS and the node's token decide.
            .RemoveAllLoggers(); // Request logging is off: headers carry the key.
        services.AddSingleton<INodeExecutor, LlmExecutor>();
    }
}
