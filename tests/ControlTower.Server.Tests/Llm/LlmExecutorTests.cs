using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using ControlTower.Server.Caching;
using ControlTower.Server.Credentials;
using ControlTower.Server.Llm;
using ControlTower.Server.Mcp;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Releases;
using ControlTower.Server.Workflows;
using ControlTower.Server.Tests.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ControlTower.Server.Tests.Llm.ChatCompletions;
using static ControlTower.Server.Tests.Nodes.NodeContexts;

namespace ControlTower.Server.Tests.Llm;

/// <summary>The llm executor and the OpenAI-compatible client as composed by AddNodeExecutors, against a loopback fake provider.</summary>
public sealed class LlmExecutorTests : IAsyncLifetime
{
    private LocalHttpServer _provider = null!;

    public async Task InitializeAsync() => _provider = await LocalHttpServer.StartAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    private static ServiceProvider Services(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<SecretRegistry>()
            .AddLogging()
            .AddPersistence(DatabaseConnection.Resolve(new DatabaseOptions(), new PlatformOptions { DataDirectory = Path.GetTempPath() }))
            .AddMcpFederation()
            .AddSingleton<WorkflowGraphValidation>()
            .AddSharedCache(configuration)
            .AddWorkflowDefinitions()
            .AddReleases(configuration) // the subworkflow executor asks the release which version a child pins
            .AddNodeExecutors()
            .BuildServiceProvider();
    }

    private ServiceProvider Configured(string timeoutSeconds = "30", string maxConcurrency = "4", string key = "sk-unit-0123456789") => Services(new Dictionary<string, string?>
    {
        ["LLM_BASE_URL"] = _provider.Url("/scripted/v1"),
        ["LLM_API_KEY"] = key,
        ["LLM_TIMEOUT_SECONDS"] = timeoutSeconds,
        ["LLM_MAX_CONCURRENCY"] = maxConcurrency,
    });

    private static Task<NodeResult> ExecuteAsync(ServiceProvider services, string config = """{ "model": "m", "prompt": "hi" }""", CancellationToken cancellationToken = default) =>
        services.GetRequiredService<NodeExecutorRegistry>().Resolve("llm").ExecuteAsync(For("llm", config), cancellationToken);

    [Fact]
    public async Task Execute_WhenProviderIsSlowerThanTheTimeout_FailsTimeoutRetryableAndAbortsTheRequest()
    {
        _provider.Script.Enqueue(Completion("late") with { Delay = TimeSpan.FromSeconds(20) });
        await using var services = Configured(timeoutSeconds: "1");

        var failed = As<NodeResult.Failed>(await ExecuteAsync(services));

        Assert.Equal((LlmErrorCodes.Timeout, true), (failed.Code, failed.Retryable));
        Assert.Contains("LLM_TIMEOUT_SECONDS", failed.Message, StringComparison.Ordinal);
        await Eventually(() => _provider.Aborted == 1);
    }

    [Fact]
    public async Task Execute_WhenNodeTokenIsCancelled_ThrowsCancellationAndAbortsTheRequest()
    {
        _provider.Script.Enqueue(Completion("late") with { Delay = TimeSpan.FromSeconds(20) });
        await using var services = Configured();
        using var cancel = new CancellationTokenSource();

        var running = ExecuteAsync(services, cancellationToken: cancel.Token);
        await Eventually(() => !_provider.Requests.IsEmpty);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await Eventually(() => _provider.Aborted == 1);
    }

    [Fact]
    public async Task Execute_WhenProviderCannotBeReached_FailsUnavailableRetryable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var services = Services(new Dictionary<string, string?> { ["LLM_BASE_URL"] = $"http://127.0.0.1:{closedPort}/v1" });

        var failed = As<NodeResult.Failed>(await ExecuteAsync(services));

        Assert.Equal((LlmErrorCodes.Unavailable, true), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task Execute_WhenRateLimitedWithRetryAfter_FailsRateLimitedRetryableNamingTheWait()
    {
        _provider.Script.Enqueue(Error(429, "slow down", new Dictionary<string, string> { ["Retry-After"] = "7" }));
        await using var services = Configured();

        var failed = As<NodeResult.Failed>(await ExecuteAsync(services));

        Assert.Equal((LlmErrorCodes.RateLimited, true), (failed.Code, failed.Retryable));
        Assert.Contains("wait 7 s", failed.Message, StringComparison.Ordinal);
        Assert.Contains("slow down", failed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200, "<html>gateway</html>", "text/html", LlmErrorCodes.InvalidResponse, false)]
    [InlineData(200, """{ "choices": [] }""", "application/json", LlmErrorCodes.InvalidResponse, false)]
    [InlineData(502, "<html>bad gateway</html>", "text/html", LlmErrorCodes.Unavailable, true)]
    [InlineData(404, """{ "error": "model not found" }""", "application/json", LlmErrorCodes.RequestRejected, false)]
    public async Task Execute_WhenProviderAnswersOddly_FailsWithTheMatchingCode(int status, string body, string contentType, string code, bool retryable)
    {
        _provider.Script.Enqueue(new ScriptedResponse(status, body, contentType));
        await using var services = Configured();

        var failed = As<NodeResult.Failed>(await ExecuteAsync(services));

        Assert.Equal((code, retryable), (failed.Code, failed.Retryable));
    }

    [Fact]
    public async Task Execute_WhenBaseUrlIsNotSet_FailsNotConfiguredWithoutSending()
    {
        await using var services = Services(new Dictionary<string, string?>());

        var failed = As<NodeResult.Failed>(await ExecuteAsync(services));

        Assert.Equal((LlmErrorCodes.NotConfigured, false), (failed.Code, failed.Retryable));
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task Execute_WhenOnlyOneSlot_SendsTheSecondRequestAfterTheFirstAnswered()
    {
        _provider.Script.Enqueue(Completion("first") with { Delay = TimeSpan.FromMilliseconds(800) });
        _provider.Script.Enqueue(Completion("second"));
        await using var services = Configured(maxConcurrency: "1");

        var first = ExecuteAsync(services);
        await Eventually(() => !_provider.Requests.IsEmpty);
        var second = ExecuteAsync(services);
        await Task.Delay(300);

        Assert.Single(_provider.Requests);
        var results = await Task.WhenAll(first, second);
        Assert.Equal(["first", "second"], results.Select(r => As<NodeResult.Completed>(r).Output!["text"]!.GetValue<string>()));
        Assert.Equal(2, _provider.Requests.Count);
    }

    [Fact]
    public async Task Execute_WhenCompleted_RecordsTokensOnTheLlmMeter()
    {
        var model = $"meter-model-{Guid.NewGuid():N}";
        _provider.Script.Enqueue(Completion("ok", promptTokens: 30, completionTokens: 7) with
        {
            Body = Completion("ok", promptTokens: 30, completionTokens: 7).Body.Replace(Model + "-2026", model, StringComparison.Ordinal),
        });
        await using var services = Configured();
        var tokens = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == LlmMetrics.MeterName && instrument.Name == "controltower.llm.tokens")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var all = tags.ToArray();
            if (all.Any(t => t.Key == "model" && Equals(t.Value, model)))
            {
                lock (tokens)
                {
                    var type = (string)all.Single(t => t.Key == "token.type").Value!;
                    tokens[type] = tokens.GetValueOrDefault(type) + value;
                }
            }
        });
        listener.Start();

        As<NodeResult.Completed>(await ExecuteAsync(services));

        Assert.Equal(30, tokens["input"]);
        Assert.Equal(7, tokens["output"]);
    }

    [Fact]
    public async Task Build_WhenApiKeyIsConfigured_RegistersItWithTheSecretRegistry()
    {
        var key = $"sk-registered-{Guid.NewGuid():N}";
        await using var services = Configured(key: key);

        services.GetRequiredService<ILlmChatClient>();

        Assert.Equal($"key=***", services.GetRequiredService<SecretRegistry>().Redact($"key={key}"));
        Assert.DoesNotContain(key, services.GetRequiredService<IOptions<LlmOptions>>().Value.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LLM_BASE_URL", "not a url")]
    [InlineData("LLM_BASE_URL", "ftp://llm.internal/v1")]
    [InlineData("LLM_TIMEOUT_SECONDS", "0")]
    [InlineData("LLM_MAX_CONCURRENCY", "0")]
    public async Task Options_WhenASettingIsInvalid_FailValidation(string name, string value)
    {
        await using var services = Services(new Dictionary<string, string?> { [name] = value });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LlmOptions>>().Value);

        Assert.Contains(name.StartsWith("LLM_BASE", StringComparison.Ordinal) ? "LLM_BASE_URL" : "must be between", error.Message, StringComparison.Ordinal);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(20);
        }
    }
}
