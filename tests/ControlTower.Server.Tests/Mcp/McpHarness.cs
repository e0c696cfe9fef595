using System.Diagnostics.Metrics;
using ControlTower.Server.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>The federation classes wired by hand around real servers, one set per test.</summary>
internal sealed class McpHarness : IAsyncDisposable
{
    private readonly ServiceProvider _metricsServices;

    public McpHarness(McpFederationOptions? options = null, TimeProvider? time = null)
    {
        Options = options ?? new McpFederationOptions { TransportRetryDelay = TimeSpan.FromMilliseconds(20) };
        Time = time ?? TimeProvider.System;
        var wrapped = Microsoft.Extensions.Options.Options.Create(Options);
        _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        MeterFactory = _metricsServices.GetRequiredService<IMeterFactory>();
        Registry = new McpServerRegistry();
        Catalog = new McpCatalog(Time);
        Health = new McpHealthTracker(wrapped, Time);
        var metrics = new McpMetrics(MeterFactory);
        Resilience = new McpResilience(wrapped, Time, NullLogger<McpResilience>.Instance);
        Pool = new McpConnectionPool(Registry, Catalog, Health, metrics, wrapped, Time, NullLogger<McpConnectionPool>.Instance);
        Invoker = new McpToolInvoker(Registry, Pool, Catalog, Resilience, Health, metrics, Time, NullLogger<McpToolInvoker>.Instance);
    }

    public McpFederationOptions Options { get; }

    public TimeProvider Time { get; }

    public IMeterFactory MeterFactory { get; }

    public McpServerRegistry Registry { get; }

    public McpCatalog Catalog { get; }

    public McpHealthTracker Health { get; }

    public McpResilience Resilience { get; }

    public McpConnectionPool Pool { get; }

    public McpToolInvoker Invoker { get; }

    public static McpServerDefinition Stdio(string id, string script,
        IEnumerable<string>? extraArguments = null, IReadOnlyDictionary<string, string>? environment = null, McpServerLimits? limits = null) => new()
        {
            Id = id,
            Name = id,
            Transport = McpTransportKind.Stdio,
            Command = "node",
            Arguments = [script, .. extraArguments ?? []],
            Environment = environment ?? new Dictionary<string, string>(),
            Limits = limits ?? McpServerLimits.Default,
        };

    public static McpServerDefinition Http(string id, Uri endpoint, McpServerLimits? limits = null) => new()
    {
        Id = id,
        Name = id,
        Transport = McpTransportKind.StreamableHttp,
        Url = endpoint,
        Limits = limits ?? McpServerLimits.Default,
    };

    public McpServerDefinition Add(McpServerDefinition definition)
    {
        Registry.Add(definition);
        return definition;
    }

    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync();
        await _metricsServices.DisposeAsync();
    }
}
