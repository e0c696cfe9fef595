using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;
using ControlTower.Server.Credentials;
using ControlTower.Server.Mcp;
using ControlTower.Server.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Mcp;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Nodes.NodeContexts;

namespace ControlTower.Server.Tests.Nodes;

/// <summary>mcp.tool against the real reference servers over stdio (started by the federation's pool).</summary>
public sealed class McpToolExecutorTests(McpToolExecutorTests.Vault vault) : IAsyncLifetime, IClassFixture<McpToolExecutorTests.Vault>
{
    private McpHarness _harness = new();

    /// <summary>A real credential vault (the app's, on its own SQLite file) for the executor's credential lookups.</summary>
    public sealed class Vault : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new();

        internal CredentialVault Instance => Factory.Services.GetRequiredService<CredentialVault>();

        public void Dispose() => Factory.Dispose();
    }

    private McpToolExecutor Executor() => new(_harness.Invoker, _harness.Registry, vault.Instance);

    public Task InitializeAsync()
    {
        _harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private Task<NodeResult> Run(string config, JsonObject? activation = null, IProgress<NodeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Executor().ExecuteAsync(For("mcp.tool", config, activation, progress: progress), cancellationToken);

    [Fact]
    public async Task ExecuteAsync_WhenToolSucceeds_OutputsItsContentWithRenderedArguments()
    {
        var result = As<NodeResult.Completed>(await Run(
            """{ "server": "everything", "tool": "echo", "arguments": { "message": "hi {{ input.name }}" } }""",
            Activation(Json("""{ "name": "ada" }"""))));

        Assert.Equal("success", result.Outcome);
        Assert.Equal("Echo: hi ada", result.Output!["content"]![0]!["text"]!.GetValue<string>());
        Assert.False(result.Output!["isError"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ExecuteAsync_WhenArgumentIsOnePlaceholder_KeepsItsJsonType()
    {
        var result = As<NodeResult.Completed>(await Run(
            """{ "server": "everything", "tool": "get-sum", "arguments": { "a": "{{ input.a }}", "b": "{{ nodes.calc.output.b * 2.0 }}" } }""",
            Activation(Json("""{ "a": 19 }"""), ("calc", Json("""{ "b": 11.75 }""")))));

        Assert.Contains("42.5", result.Output!["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_WhenToolReportsProgress_ForwardsItToTheContext()
    {
        var progress = new RecordingProgress();

        var result = await Run("""{ "server": "everything", "tool": "trigger-long-running-operation", "arguments": { "duration": 1, "steps": 4 } }""", progress: progress);

        Assert.IsType<NodeResult.Completed>(result);
        // Progress is taken in wire order, so every notification sent before the result arrives before the call returns.
        Assert.Equal([1, 2, 3, 4], progress.Reports.Select(r => r.Progress));
        Assert.All(progress.Reports, r => Assert.Equal(4, r.Total));
    }

    [Fact]
    public async Task ExecuteAsync_PassesTheAttemptsIdempotencyKeyInMeta()
    {
        _harness.Add(McpHarness.Stdio("meta", McpTestServers.MetaEcho));
        var context = For("mcp.tool", """{ "server": "meta", "tool": "echo-meta" }""", attempt: 3);

        var result = As<NodeResult.Completed>(await Executor().ExecuteAsync(context, CancellationToken.None));

        Assert.EndsWith(":n1:3", context.IdempotencyKey, StringComparison.Ordinal);
        Assert.Equal(context.IdempotencyKey, result.Output!["structuredContent"]!["meta"]![McpToolInvoker.IdempotencyMetaKey]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_WhenToolReportsError_FailsToolErrorNotRetryableWithServerMessage()
    {
        _harness.Add(McpHarness.Stdio("fs", McpTestServers.Filesystem, [Path.GetTempPath()]));
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.txt");

        var failed = As<NodeResult.Failed>(await Run($$"""{ "server": "fs", "tool": "read_text_file", "arguments": { "path": "{{missing}}" } }"""));

        Assert.Equal((NodeErrorCodes.McpToolError, false), (failed.Code, failed.Retryable));
        Assert.Contains("ENOENT", failed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "server": "everything", "tool": "no-such-tool" }""", McpErrorCodes.ToolNotFound)]
    [InlineData("""{ "server": "everything", "tool": "get-sum", "arguments": { "a": 1 } }""", McpErrorCodes.ArgumentsInvalid)]
    [InlineData("""{ "server": "nowhere", "tool": "echo" }""", McpErrorCodes.ServerNotFound)]
    [InlineData("""{ "server": "everything", "tool": "echo", "credentialId": "c1" }""", NodeErrorCodes.ConfigInvalid)]
    [InlineData("""{ "server": "everything", "tool": "echo", "credentialId": "5f0c2a8e-3b1d-4c6f-9a7e-2d4b6c8e0f13" }""", CredentialErrorCodes.NotFound)]
    [InlineData("""{ "server": "everything", "tool": "echo", "arguments": { "message": "{{ input.none.x }}" } }""", CelErrorCodes.EvalError)]
    [InlineData("""{ "tool": "echo" }""", NodeErrorCodes.ConfigInvalid)]
    public async Task ExecuteAsync_WhenCallCannotSucceed_FailsNotRetryable(string config, string code)
    {
        var failed = As<NodeResult.Failed>(await Run(config, Activation(Json("{}"))));

        Assert.Equal((code, false), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task ExecuteAsync_WhenCallTimesOut_FailsTimeoutRetryable()
    {
        await _harness.DisposeAsync();
        _harness = new McpHarness();
        _harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything, limits: McpServerLimits.Default with { CallTimeout = TimeSpan.FromSeconds(2) }));

        var failed = As<NodeResult.Failed>(await Run("""{ "server": "everything", "tool": "trigger-long-running-operation", "arguments": { "duration": 30, "steps": 3 } }"""));

        Assert.Equal((McpErrorCodes.Timeout, true), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task ExecuteAsync_WhenServerCannotStart_FailsTransportRetryable()
    {
        await _harness.DisposeAsync();
        _harness = new McpHarness(new McpFederationOptions { TransportRetryAttempts = 0 });
        _harness.Add(McpHarness.Stdio("broken", Path.Combine(McpTestServers.Directory, "does-not-exist.js")));

        var failed = As<NodeResult.Failed>(await Run("""{ "server": "broken", "tool": "echo" }"""));

        Assert.Equal((McpErrorCodes.TransportFailed, true), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task ExecuteAsync_WhenCancelled_PropagatesCancellation()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new CallbackProgress(_ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Run("""{ "server": "everything", "tool": "trigger-long-running-operation", "arguments": { "duration": 10, "steps": 10 } }""", progress: progress, cancellationToken: cancel.Token));
    }

    private sealed class CallbackProgress(Action<NodeProgress> report) : IProgress<NodeProgress>
    {
        public void Report(NodeProgress value) => report(value);
    }
}
