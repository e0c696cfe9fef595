using System.Diagnostics;
using System.Diagnostics.Metrics;
using ControlTower.Server.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;

namespace ControlTower.Bench.Mcp;

/// <summary>Starts the same stdio server-everything twice: once behind the federation layer, once for a bare SDK client.</summary>
internal sealed class McpBenchmarkServers : IAsyncDisposable
{
    public const string ServerId = "bench";

    private readonly ServiceProvider _metrics;

    private McpBenchmarkServers(ServiceProvider metrics, McpConnectionPool pool, McpToolInvoker invoker, McpClient bare)
    {
        _metrics = metrics;
        Pool = pool;
        Invoker = invoker;
        Bare = bare;
    }

    public McpConnectionPool Pool { get; }

    public McpToolInvoker Invoker { get; }

    public McpClient Bare { get; }

    public static async Task<McpBenchmarkServers> StartAsync(int maxConcurrentCalls)
    {
        var everything = EverythingPath();
        var options = Options.Create(new McpFederationOptions());
        var time = TimeProvider.System;
        var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var registry = new McpServerRegistry();
        registry.Add(new McpServerDefinition
        {
            Id = ServerId,
            Name = ServerId,
            Transport = McpTransportKind.Stdio,
            Command = "node",
            Arguments = [everything],
            Limits = McpServerLimits.Default with { MaxConcurrentCalls = maxConcurrentCalls },
        });
        var catalog = new McpCatalog(time);
        var health = new McpHealthTracker(options, time);
        var mcpMetrics = new McpMetrics(metrics.GetRequiredService<IMeterFactory>());
        var resilience = new McpResilience(options, time, NullLogger<McpResilience>.Instance);
        var pool = new McpConnectionPool(registry, catalog, health, mcpMetrics, options, time, NullLogger<McpConnectionPool>.Instance);
        var invoker = new McpToolInvoker(registry, pool, catalog, resilience, health, mcpMetrics, time, NullLogger<McpToolInvoker>.Instance);
        var bare = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "node",
            Arguments = [everything],
            ShutdownTimeout = TimeSpan.FromMilliseconds(300),
        }));
        return new McpBenchmarkServers(metrics, pool, invoker, bare);
    }

    public async ValueTask DisposeAsync()
    {
        await Bare.DisposeAsync();
        await Pool.DisposeAsync();
        await _metrics.DisposeAsync();
    }

    private static string EverythingPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                continue;
            }

            var path = Path.Combine(dir.FullName, "tools", "mcp-servers", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
            if (!File.Exists(path))
            {
                using var install = Process.Start("bash", [Path.Combine(dir.FullName, "scripts", "install-mcp-servers.sh")]);
                install.WaitForExit();
            }

            return File.Exists(path) ? path : throw new InvalidOperationException($"server-everything missing: {path}");
        }

        throw new InvalidOperationException("ControlTower.slnx not found above " + AppContext.BaseDirectory);
    }
}
