using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Mcp;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>
/// The same behaviour over every transport, against the real server-everything. Subclasses say how to
/// start, kill and bring back the server.
/// </summary>
public abstract class McpFederationContractTests : IAsyncLifetime
{
    protected const string ServerId = "everything";

    internal McpHarness Harness { get; } = new();

    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync() => await Harness.DisposeAsync();

    /// <summary>Kills the server process while a call runs.</summary>
    protected abstract Task KillServerAsync();

    /// <summary>What the transport failure must say about the death.</summary>
    protected virtual void AssertKillReason(string message)
    {
    }

    /// <summary>Whatever must happen before the pool can reach the server again (HTTP: restart it).</summary>
    protected abstract Task BringServerBackAsync();

    internal Task<McpToolResult> CallAsync(string tool, JsonObject arguments, McpCallContext? context = null, CancellationToken cancellationToken = default) =>
        Harness.Invoker.CallAsync(ServerId, tool, arguments, context ?? McpCallContext.None, cancellationToken);

    [Fact]
    public async Task Connect_WhenServerStarts_CatalogListsToolsResourcesAndPromptsWithHash()
    {
        await Harness.Pool.GetAsync(ServerId, null, CancellationToken.None);

        var snapshot = Harness.Catalog.Get(ServerId)!;
        Assert.Contains(snapshot.Tools, t => t.Name == "echo");
        var sum = snapshot.FindTool("get-sum")!;
        Assert.Equal(["a", "b"], sum.InputSchema["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.True(sum.Annotations?.ReadOnlyHint);
        Assert.NotEmpty(snapshot.Resources);
        Assert.NotEmpty(snapshot.Prompts);
        Assert.Matches("^[0-9a-f]{64}$", snapshot.Hash);
        Assert.Contains(Harness.Catalog.AllTools(), t => t.QualifiedName == "everything/get-sum");
    }

    [Fact]
    public async Task CallAsync_WhenEcho_ReturnsTextContent()
    {
        var result = await CallAsync("echo", new JsonObject { ["message"] = "hello federation" });

        Assert.False(result.IsError);
        Assert.Equal("text", result.Output["content"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("Echo: hello federation", result.Output["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task CallAsync_WhenGetSum_ReturnsSum()
    {
        var result = await CallAsync("get-sum", new JsonObject { ["a"] = 19, ["b"] = 23.5 });

        Assert.Contains("42.5", result.Output["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAsync_WhenLongRunningOperation_ForwardsProgressInOrder()
    {
        var reports = new List<McpProgress>();
        var progress = new SynchronousProgress(p => { lock (reports) { reports.Add(p); } });

        var result = await CallAsync("trigger-long-running-operation", new JsonObject { ["duration"] = 1.5, ["steps"] = 3 }, new McpCallContext { Progress = progress });

        Assert.False(result.IsError);
        // The server sends 1, 2, 3; the SDK dispatches notifications concurrently and may drop one that
        // races the result, so under load the tail can be missing. What arrives is in order.
        var seen = reports.Select(r => r.Progress).ToArray();
        Assert.InRange(seen.Length, 2, 3);
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Length, seen.Distinct().Count());
        Assert.All(reports, r => Assert.InRange(r.Progress, 1d, 3d));
        Assert.All(reports, r => Assert.Equal(3d, r.Total));
    }

    [Fact]
    public async Task CallAsync_WhenCancelledMidCall_ThrowsCanceledAndConnectionStaysUsable()
    {
        var connection = await Harness.Pool.GetAsync(ServerId, null, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(_ => cts.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            CallAsync("trigger-long-running-operation", new JsonObject { ["duration"] = 20, ["steps"] = 20 }, new McpCallContext { Progress = progress }, cts.Token));

        var echo = await CallAsync("echo", new JsonObject { ["message"] = "still here" });
        Assert.Equal("Echo: still here", echo.Output["content"]![0]!["text"]!.GetValue<string>());
        Assert.Same(connection, await Harness.Pool.GetAsync(ServerId, null, CancellationToken.None));
    }

    [Fact]
    public async Task CallAsync_WhenServerKilledMidCall_FailsWithTransportFailedAndNextCallWorks()
    {
        var first = await Harness.Pool.GetAsync(ServerId, null, CancellationToken.None);
        var running = new TaskCompletionSource();
        var progress = new SynchronousProgress(_ => running.TrySetResult());
        var call = CallAsync("trigger-long-running-operation", new JsonObject { ["duration"] = 20, ["steps"] = 20 }, new McpCallContext { Progress = progress });
        await running.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await KillServerAsync();

        var error = await Assert.ThrowsAsync<McpTransportException>(() => call);
        Assert.Equal(McpErrorCodes.TransportFailed, error.Code);
        Assert.True(error.MayHaveReachedServer);
        AssertKillReason(error.Message);
        Assert.Equal(McpErrorCodes.TransportFailed, Harness.Invoker.GetHealth(ServerId).LastError?.Code);

        await BringServerBackAsync();
        var echo = await CallAsync("echo", new JsonObject { ["message"] = "after restart" });
        Assert.Equal("Echo: after restart", echo.Output["content"]![0]!["text"]!.GetValue<string>());
        Assert.NotSame(first, await Harness.Pool.GetAsync(ServerId, null, CancellationToken.None));
    }

    [Fact]
    public async Task CallAsync_WhenArgumentsInvalid_RejectsBeforeSendingWithEveryViolation()
    {
        await CallAsync("echo", new JsonObject { ["message"] = "warm-up fills the catalog" });
        var before = Harness.Invoker.GetHealth(ServerId).Calls;

        var error = await Assert.ThrowsAsync<ControlTowerException>(() =>
            CallAsync("get-sum", new JsonObject { ["a"] = "sk-secret-looking-value" }));

        Assert.Equal(McpErrorCodes.ArgumentsInvalid, error.Code);
        var violations = Assert.IsAssignableFrom<IReadOnlyList<Core.Schemas.SchemaViolation>>(error.Details["violations"]);
        Assert.Equal([("/a", "type"), ("/b", "required")], violations.Select(v => (v.Pointer, v.Keyword)).Order());
        Assert.DoesNotContain("sk-secret", error.Message, StringComparison.Ordinal);
        // Nothing reached the server: a sent call would have come back as an isError result and been counted.
        Assert.Equal(before, Harness.Invoker.GetHealth(ServerId).Calls);
    }

    [Fact]
    public async Task CallAsync_WhenToolOrServerUnknown_ThrowsNotFoundCodes()
    {
        var tool = await Assert.ThrowsAsync<ControlTowerException>(() => CallAsync("no-such-tool", []));
        var server = await Assert.ThrowsAsync<ControlTowerException>(() =>
            Harness.Invoker.CallAsync("no-such-server", "echo", [], McpCallContext.None, CancellationToken.None));

        Assert.Equal(McpErrorCodes.ToolNotFound, tool.Code);
        Assert.Equal(ErrorKind.NotFound, tool.Kind);
        Assert.Equal(McpErrorCodes.ServerNotFound, server.Code);
    }
}

/// <summary>Reports on the caller's thread, in order (unlike Progress&lt;T&gt;).</summary>
internal sealed class SynchronousProgress(Action<McpProgress> report) : IProgress<McpProgress>
{
    public void Report(McpProgress value) => report(value);
}

public sealed class McpStdioFederationTests : McpFederationContractTests
{
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public override Task InitializeAsync()
    {
        Harness.Add(McpHarness.Stdio(ServerId, McpTestServers.Everything, environment: new Dictionary<string, string> { ["CT_TEST_INSTANCE"] = _instance }));
        return Task.CompletedTask;
    }

    protected override Task KillServerAsync()
    {
        ChildProcesses.Kill(ChildProcesses.FindByEnvironment("CT_TEST_INSTANCE", _instance));
        return Task.CompletedTask;
    }

    // SIGKILL: the SDK reports 128 + 9.
    protected override void AssertKillReason(string message) =>
        Assert.True(message.Contains("exited with code 137", StringComparison.Ordinal), message);

    // The pool starts a new process by itself.
    protected override Task BringServerBackAsync() => Task.CompletedTask;
}

public sealed class McpStreamableHttpFederationTests : McpFederationContractTests
{
    private EverythingHttpServer? _server;

    public override async Task InitializeAsync()
    {
        _server = await EverythingHttpServer.StartAsync();
        Harness.Add(McpHarness.Http(ServerId, _server.Endpoint));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    protected override Task KillServerAsync()
    {
        _server!.Kill();
        return Task.CompletedTask;
    }

    // A remote server is not ours to restart: the test brings it back, the pool reconnects.
    protected override Task BringServerBackAsync() => _server!.RestartAsync();

    [Fact]
    public async Task CallAsync_WhenServerRestartedBetweenCalls_ReconnectsWithNewSession()
    {
        var first = await Harness.Pool.GetAsync(ServerId, null, CancellationToken.None);
        await CallAsync("echo", new JsonObject { ["message"] = "before" });
        _server!.Kill();
        await _server.RestartAsync();

        // The restarted server rejects the old session before running anything, so the call is retried on a new one.
        var echo = await CallAsync("echo", new JsonObject { ["message"] = "after" });

        Assert.Equal("Echo: after", echo.Output["content"]![0]!["text"]!.GetValue<string>());
        Assert.NotSame(first, await Harness.Pool.GetAsync(ServerId, null, CancellationToken.None));
    }
}

public sealed class McpSseTransportTests : IAsyncLifetime
{
    private EverythingHttpServer? _server;

    public async Task InitializeAsync() => _server = await EverythingHttpServer.StartAsync("sse");

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Fact]
    public async Task CallAsync_WhenServerSpeaksSse_EchoesAndListsTools()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Http("sse", _server!.Endpoint) with { Transport = McpTransportKind.Sse });

        var echo = await harness.Invoker.CallAsync("sse", "echo", new JsonObject { ["message"] = "over sse" }, McpCallContext.None, CancellationToken.None);

        Assert.Equal("Echo: over sse", echo.Output["content"]![0]!["text"]!.GetValue<string>());
        Assert.NotNull(harness.Catalog.Get("sse")?.FindTool("get-sum"));
    }
}
