using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Server.Mcp;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace ControlTower.Server.Tests.Mcp;

public sealed class McpConnectionPoolTests
{
    private static readonly McpCallContext None = McpCallContext.None;

    [Fact]
    public async Task CallAsync_WhenManyCallsRunConcurrently_ShareOneConnection()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything, limits: McpServerLimits.Default with { MaxConcurrentCalls = 8 }));

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            harness.Invoker.CallAsync("everything", "echo", new JsonObject { ["message"] = $"m{i}" }, None, CancellationToken.None)));

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"Echo: m{i}"), results.Select(r => r.Output["content"]![0]!["text"]!.GetValue<string>()));
        var health = harness.Invoker.GetHealth("everything");
        Assert.Equal(1, health.LiveConnections);
        Assert.Equal(50, health.Calls);
        Assert.Equal("Closed", health.BreakerState);
        Assert.NotNull(health.LastSuccessAt);
        Assert.True(health.P50Milliseconds <= health.P99Milliseconds);
    }

    [Fact]
    public async Task CallAsync_WithCredential_ServerGetsItsEnvironmentButNotTheHostsAndOwnConnection()
    {
        Environment.SetEnvironmentVariable("CT_HOST_ONLY_SECRET", "host-value");
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything, environment: new Dictionary<string, string> { ["FROM_DEFINITION"] = "d" }));
        var alice = new McpCallContext { CredentialKey = "alice", Environment = new Dictionary<string, string> { ["API_TOKEN"] = "alice-token" } };

        var withCredential = await harness.Invoker.CallAsync("everything", "get-env", [], alice, CancellationToken.None);
        var without = await harness.Invoker.CallAsync("everything", "get-env", [], None, CancellationToken.None);

        var envWith = JsonNode.Parse(withCredential.Output["content"]![0]!["text"]!.GetValue<string>())!.AsObject();
        var envWithout = JsonNode.Parse(without.Output["content"]![0]!["text"]!.GetValue<string>())!.AsObject();
        Assert.Equal("alice-token", envWith["API_TOKEN"]!.GetValue<string>());
        Assert.Equal("d", envWith["FROM_DEFINITION"]!.GetValue<string>());
        Assert.False(envWithout.ContainsKey("API_TOKEN"));
        Assert.False(envWith.ContainsKey("CT_HOST_ONLY_SECRET"));
        Assert.True(envWith.ContainsKey("PATH"));
        Assert.Equal(2, harness.Pool.LiveConnections("everything"));
    }

    [Fact]
    public async Task CallAsync_WhenSecretsGivenWithoutCredentialKey_RejectsCall()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything));

        var error = await Assert.ThrowsAsync<ControlTowerException>(() => harness.Invoker.CallAsync(
            "everything", "echo", new JsonObject { ["message"] = "x" },
            new McpCallContext { Environment = new Dictionary<string, string> { ["TOKEN"] = "t" } }, CancellationToken.None));

        Assert.Equal(McpErrorCodes.CredentialKeyRequired, error.Code);
        Assert.Equal(0, harness.Pool.LiveConnections("everything"));
    }

    [Fact]
    public async Task CallAsync_WithIdempotencyKey_ServerReceivesItInMeta()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("meta", McpTestServers.MetaEcho));

        var result = await harness.Invoker.CallAsync("meta", "echo-meta", [], new McpCallContext { IdempotencyKey = "run-7/node-3/attempt-1" }, CancellationToken.None);

        Assert.Equal("run-7/node-3/attempt-1", result.Output["structuredContent"]!["meta"]![McpToolInvoker.IdempotencyMetaKey]!.GetValue<string>());
    }

    [Fact]
    public async Task CallAsync_WhenCallExceedsTimeout_ThrowsMcpTimeoutAndConnectionStaysUsable()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything, limits: McpServerLimits.Default with { CallTimeout = TimeSpan.FromSeconds(2) }));

        // Started outside the call's 2 s (bounded by the connect timeout): on a loaded machine node alone can take longer.
        await harness.Pool.GetAsync("everything", null, CancellationToken.None);
        await harness.Invoker.CallAsync("everything", "echo", new JsonObject { ["message"] = "warm" }, None, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ControlTowerException>(() => harness.Invoker.CallAsync(
            "everything", "trigger-long-running-operation", new JsonObject { ["duration"] = 30, ["steps"] = 3 }, None, CancellationToken.None));
        var after = await harness.Invoker.CallAsync("everything", "echo", new JsonObject { ["message"] = "ok" }, None, CancellationToken.None);

        Assert.Equal(McpErrorCodes.Timeout, error.Code);
        Assert.Equal(ErrorKind.Timeout, error.Kind);
        Assert.False(after.IsError);
        Assert.Equal(McpErrorCodes.Timeout, harness.Invoker.GetHealth("everything").LastError?.Code);
    }

    [Fact]
    public async Task CallAsync_WhenCallsKeepTimingOut_OpensCircuit()
    {
        await using var harness = new McpHarness(new McpFederationOptions { BreakerMinimumThroughput = 2, BreakerFailureRatio = 0.5 });
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything, limits: McpServerLimits.Default with { CallTimeout = TimeSpan.FromMilliseconds(1500) }));
        var slow = new JsonObject { ["duration"] = 30, ["steps"] = 3 };

        var codes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var error = await Assert.ThrowsAnyAsync<ControlTowerException>(() =>
                harness.Invoker.CallAsync("everything", "trigger-long-running-operation", slow, None, CancellationToken.None));
            codes.Add(error.Code);
        }

        Assert.Equal([McpErrorCodes.Timeout, McpErrorCodes.Timeout, McpErrorCodes.CircuitOpen], codes);
    }

    [Fact]
    public async Task CallAsync_WhenIdempotentToolOptedIntoRetryAndServerKilled_RetriesOnFreshProcess()
    {
        var instance = Guid.NewGuid().ToString("N");
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything,
            environment: new Dictionary<string, string> { ["CT_TEST_INSTANCE"] = instance },
            limits: McpServerLimits.Default with { RetryIdempotentTools = true }));
        var killed = 0;
        var progress = new SynchronousProgress(_ =>
        {
            if (Interlocked.Exchange(ref killed, 1) == 0)
            {
                ChildProcesses.Kill(ChildProcesses.FindByEnvironment("CT_TEST_INSTANCE", instance));
            }
        });

        var result = await harness.Invoker.CallAsync("everything", "trigger-long-running-operation",
            new JsonObject { ["duration"] = 0.6, ["steps"] = 3 }, new McpCallContext { Progress = progress }, CancellationToken.None);

        Assert.False(result.IsError);
        Assert.Equal(1, killed);
    }

    [Fact]
    public async Task CallAsync_WhenServerCannotStart_FailsThenOpensCircuit()
    {
        await using var harness = new McpHarness(new McpFederationOptions { TransportRetryAttempts = 0, BreakerMinimumThroughput = 3, BreakerFailureRatio = 0.5 });
        harness.Add(McpHarness.Stdio("broken", Path.Combine(McpTestServers.Directory, "does-not-exist.js")));

        var codes = new List<string>();
        var messages = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var error = await Assert.ThrowsAnyAsync<ControlTowerException>(() =>
                harness.Invoker.CallAsync("broken", "echo", [], None, CancellationToken.None));
            codes.Add(error.Code);
            messages.Add(error.Message);
        }

        Assert.Equal([McpErrorCodes.TransportFailed, McpErrorCodes.TransportFailed, McpErrorCodes.TransportFailed, McpErrorCodes.CircuitOpen], codes);
        var health = harness.Invoker.GetHealth("broken");
        Assert.Equal(nameof(CircuitState.Open), health.BreakerState);
        Assert.Equal(McpErrorCodes.CircuitOpen, health.LastError?.Code);
        // The connect failure carries the process's exit code and stderr tail.
        Assert.True(messages[0].Contains("exited with code 1", StringComparison.Ordinal), messages[0]);
        Assert.Contains("Cannot find module", messages[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SweepIdle_WhenConnectionIdleLongerThanTimeout_ClosesItAndNextCallRestarts()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var harness = new McpHarness(new McpFederationOptions { IdleTimeout = TimeSpan.FromMinutes(5), IdleSweepInterval = TimeSpan.FromMinutes(1) }, clock);
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything));
        var first = await harness.Pool.GetAsync("everything", null, CancellationToken.None);

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(1, harness.Pool.LiveConnections("everything"));
        clock.Advance(TimeSpan.FromMinutes(2));
        await WaitUntilAsync(() => harness.Pool.LiveConnections("everything") == 0);

        var echo = await harness.Invoker.CallAsync("everything", "echo", new JsonObject { ["message"] = "back" }, None, CancellationToken.None);
        Assert.Equal("Echo: back", echo.Output["content"]![0]!["text"]!.GetValue<string>());
        Assert.NotSame(first, await harness.Pool.GetAsync("everything", null, CancellationToken.None));
        Assert.True(first.ClosedByPool);
    }

    [Fact]
    public async Task Update_WhenDefinitionChanges_ClosesLiveConnections()
    {
        await using var harness = new McpHarness();
        var definition = harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything));
        var connection = await harness.Pool.GetAsync("everything", null, CancellationToken.None);

        harness.Registry.Update(definition with { Enabled = false });

        await WaitUntilAsync(() => !connection.IsAlive);
        var error = await Assert.ThrowsAsync<ControlTowerException>(() =>
            harness.Invoker.CallAsync("everything", "echo", new JsonObject { ["message"] = "x" }, None, CancellationToken.None));
        Assert.Equal(McpErrorCodes.ServerDisabled, error.Code);
        Assert.Null(harness.Catalog.Get("everything"));
    }

    [Fact]
    public async Task CallAsync_WhenToolReturnsImageStructuredAndResourceContent_MapsEachToJson()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("everything", McpTestServers.Everything));

        var image = await harness.Invoker.CallAsync("everything", "get-tiny-image", [], None, CancellationToken.None);
        var structured = await harness.Invoker.CallAsync("everything", "get-structured-content", new JsonObject { ["location"] = "New York" }, None, CancellationToken.None);
        var resource = await harness.Invoker.CallAsync("everything", "get-resource-reference", new JsonObject { ["resourceType"] = "Text", ["resourceId"] = 1 }, None, CancellationToken.None);

        var imageBlock = image.Output["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "image")!;
        Assert.Equal("image/png", imageBlock["mimeType"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(imageBlock["data"]!.GetValue<string>()));
        Assert.NotNull(structured.Output["structuredContent"]!["temperature"]);
        var resourceBlock = resource.Output["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "resource")!;
        Assert.StartsWith("demo://resource/", resourceBlock["resource"]!["uri"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAsync_WhenToolReportsError_ReturnsErrorOutcomeWithServerMessage()
    {
        await using var harness = new McpHarness();
        harness.Add(McpHarness.Stdio("fs", McpTestServers.Filesystem, [Path.GetTempPath()]));

        var result = await harness.Invoker.CallAsync("fs", "read_text_file",
            new JsonObject { ["path"] = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.txt") }, None, CancellationToken.None);

        Assert.True(result.IsError);
        Assert.True(result.Output["isError"]!.GetValue<bool>());
        Assert.Contains("ENOENT", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("Closed", harness.Invoker.GetHealth("fs").BreakerState);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20);
        }
    }
}
