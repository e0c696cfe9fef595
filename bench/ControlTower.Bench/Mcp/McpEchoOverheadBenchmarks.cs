using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ControlTower.Server.Mcp;

namespace ControlTower.Bench.Mcp;

/// <summary>
/// Per-call overhead of the federation layer (validation, bulkhead, retry + breaker pipeline, timeout,
/// result mapping, health and metrics) over a bare SDK <c>CallToolAsync</c> to the same stdio echo.
/// Job "PerCall" times one call per iteration with outliers kept, so its Median and P99 are per-call
/// latencies; job "Throughput" averages many calls per iteration (steadier, less sensitive to noise).
/// </summary>
[Config(typeof(McpEchoConfig))]
public class McpEchoOverheadBenchmarks
{
    private static readonly JsonObject Arguments = new() { ["message"] = "bench" };
    private static readonly Dictionary<string, object?> BareArguments = new() { ["message"] = "bench" };
    private McpBenchmarkServers? _servers;

    [GlobalSetup]
    public void Setup()
    {
        _servers = McpBenchmarkServers.StartAsync(maxConcurrentCalls: 16).GetAwaiter().GetResult();
        _servers.Invoker.CallAsync(McpBenchmarkServers.ServerId, "echo", Arguments, McpCallContext.None, CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _servers!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "bare SDK CallToolAsync(echo)")]
    public async Task<object> BareSdkEcho() => await _servers!.Bare.CallToolAsync("echo", BareArguments);

    [Benchmark(Description = "McpToolInvoker.CallAsync(echo)")]
    public async Task<object> InvokerEcho() =>
        await _servers!.Invoker.CallAsync(McpBenchmarkServers.ServerId, "echo", Arguments, McpCallContext.None, CancellationToken.None);
}

/// <summary>200 echo calls started at once over one connection, bare SDK vs the federation layer; one batch per iteration.</summary>
[Config(typeof(McpConcurrentConfig))]
public class McpConcurrentCallsBenchmarks
{
    private const int Calls = 200;
    private static readonly JsonObject Arguments = new() { ["message"] = "bench" };
    private static readonly Dictionary<string, object?> BareArguments = new() { ["message"] = "bench" };
    private McpBenchmarkServers? _servers;

    /// <summary>Bulkhead size: 200 lets all calls run at once (as the bare client does); 16 is the default limit.</summary>
    [Params(200, 16)]
    public int MaxConcurrentCalls { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _servers = McpBenchmarkServers.StartAsync(MaxConcurrentCalls).GetAwaiter().GetResult();
        _servers.Invoker.CallAsync(McpBenchmarkServers.ServerId, "echo", Arguments, McpCallContext.None, CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _servers!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "bare SDK, 200 concurrent echo")]
    public Task BareSdk200() =>
        Task.WhenAll(Enumerable.Range(0, Calls).Select(_ => _servers!.Bare.CallToolAsync("echo", BareArguments).AsTask()));

    [Benchmark(Description = "McpToolInvoker, 200 concurrent echo")]
    public Task Invoker200() =>
        Task.WhenAll(Enumerable.Range(0, Calls).Select(_ =>
            _servers!.Invoker.CallAsync(McpBenchmarkServers.ServerId, "echo", Arguments, McpCallContext.None, CancellationToken.None)));
}
