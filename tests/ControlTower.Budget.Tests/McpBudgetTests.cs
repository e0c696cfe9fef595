using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using ControlTower.Server.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ControlTower.Budget.Tests;

/// <summary>Bytes the federation layer allocates per MCP tool call, against the real server-everything over stdio.</summary>
public sealed class McpBudgetTests
{
    private const string ServerId = "budget";
    private const int Calls = 300;

    // Measured 2026-12-07: 12,040 B per call (whole process: the SDK's stdio reader runs on other threads).
    private const double BytesPerCallBudget = 32 * 1024;

    [Fact]
    public async Task EchoCall_AllocatesWithinBudget()
    {
        await using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options.Create(new McpFederationOptions());
        var time = TimeProvider.System;
        var registry = new McpServerRegistry();
        registry.Add(new McpServerDefinition
        {
            Id = ServerId,
            Name = ServerId,
            Transport = McpTransportKind.Stdio,
            Command = "node",
            Arguments = [EverythingPath()],
            Limits = McpServerLimits.Default,
        });
        var catalog = new McpCatalog(time);
        var health = new McpHealthTracker(options, time);
        var mcpMetrics = new McpMetrics(metrics.GetRequiredService<IMeterFactory>());
        var resilience = new McpResilience(options, time, NullLogger<McpResilience>.Instance);
        await using var pool = new McpConnectionPool(registry, catalog, health, mcpMetrics, options, time, NullLogger<McpConnectionPool>.Instance);
        var invoker = new McpToolInvoker(registry, pool, catalog, resilience, health, mcpMetrics, time, NullLogger<McpToolInvoker>.Instance);
        var arguments = new JsonObject { ["message"] = "budget" };
        for (var i = 0; i < 20; i++)
        {
            await invoker.CallAsync(ServerId, "echo", arguments, McpCallContext.None, CancellationToken.None);
        }

        var bytes = await Allocations.WholeProcessAsync(async () =>
        {
            for (var i = 0; i < Calls; i++)
            {
                await invoker.CallAsync(ServerId, "echo", arguments, McpCallContext.None, CancellationToken.None);
            }
        });

        Budget.AtMost("MCP echo call through the federation layer", (double)bytes / Calls, BytesPerCallBudget, "B/call");
    }

    private static string EverythingPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ControlTower.slnx")))
            {
                var path = Path.Combine(dir.FullName, "tools", "mcp-servers", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
                if (!File.Exists(path))
                {
                    using var install = Process.Start("bash", [Path.Combine(dir.FullName, "scripts", "install-mcp-servers.sh")]);
                    install.WaitForExit();
                }

                return File.Exists(path) ? path : throw new InvalidOperationException($"server-everything missing: {path}");
            }
        }

        throw new InvalidOperationException("ControlTower.slnx not found above " + AppContext.BaseDirectory);
    }
}
