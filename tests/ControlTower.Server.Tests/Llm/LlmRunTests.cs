using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Credentials;
using ControlTower.Server.Llm;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Nodes;
using static ControlTower.Server.Tests.Llm.ChatCompletions;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Llm;

/// <summary>
/// The <c>llm</c> node through the whole application, against a fake OpenAI-compatible provider on a real loopback
/// Kestrel server: what is sent, what the run records, how failures are classified and retried, and that the key
/// never reaches any record of the run.
/// </summary>
public sealed class LlmRunTests : IAsyncLifetime
{
    private static readonly JsonObject FastRetry = new()
    {
        ["retry"] = new JsonObject { ["maxAttempts"] = 3, ["initialBackoffMs"] = 10, ["multiplier"] = 1, ["maxBackoffMs"] = 10, ["jitter"] = 0 },
    };

    private readonly CapturingLoggerProvider _logs = new();
    private readonly string _serverKey = $"sk-server-{Guid.NewGuid():N}";
    private LocalHttpServer _provider = null!;
    private ControlTowerFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _provider = await LocalHttpServer.StartAsync();
        _factory = new ControlTowerFactory(new Dictionary<string, string?>
        {
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            ["LLM_BASE_URL"] = _provider.Url("/scripted/v1/"),
            ["LLM_API_KEY"] = _serverKey,
        }).WithServices(_logs.AddTo);
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _provider.DisposeAsync();
        _logs.Dispose();
    }

    private static JsonObject LlmGraph(JsonObject config, JsonObject? extra = null) =>
        Graph([Node("start", "trigger.manual"), Node("ask", "llm", config, extra ?? FastRetry)], [Edge("start", "ask")]);

    private static JsonObject Ask(string prompt = "Say hello.", string? responseFormat = null, string? credentialId = null)
    {
        var config = new JsonObject { ["model"] = Model, ["prompt"] = prompt };
        if (responseFormat is not null)
        {
            config["responseFormat"] = responseFormat;
        }

        if (credentialId is not null)
        {
            config["credentialId"] = credentialId;
        }

        return config;
    }

    private static async Task<JsonObject> RunAsync(HttpClient client, JsonObject graph, JsonNode? input = null)
    {
        var workflow = await CreateWorkflowAsync(client, graph);
        return await WaitForStatusAsync(client, await StartAsync(client, workflow, input), "completed", "failed");
    }

    private static JsonObject AskNode(JsonObject run) => run["nodes"]!.AsArray().Single(n => n!["nodeId"]!.GetValue<string>() == "ask")!.AsObject();

    private static string ErrorCode(JsonObject run) => run["error"]!["code"]!.GetValue<string>();

    [Fact]
    public async Task Run_WhenProviderAnswers_CompletesWithTextModelFinishReasonAndUsage()
    {
        _provider.Script.Enqueue(Completion("Hello, pharmacist.", promptTokens: 21, completionTokens: 4));
        using var admin = _factory.CreateAdminClient();

        var run = await RunAsync(admin, LlmGraph(Ask()));

        Assert.Equal("completed", run.Status());
        var output = run["output"]!["ask"]!;
        Assert.Equal("Hello, pharmacist.", output["text"]!.GetValue<string>());
        Assert.Null(output["json"]);
        Assert.Equal(Model + "-2026", output["model"]!.GetValue<string>());
        Assert.Equal("stop", output["finishReason"]!.GetValue<string>());
        Assert.Equal((21, 4, 25), (output["usage"]!["promptTokens"]!.GetValue<int>(), output["usage"]!["completionTokens"]!.GetValue<int>(), output["usage"]!["totalTokens"]!.GetValue<int>()));
        var request = Assert.Single(_provider.Requests);
        Assert.Equal("POST", request["method"]!.GetValue<string>());
        Assert.Equal("/scripted/v1/chat/completions", request["path"]!.GetValue<string>());
        Assert.Equal($"Bearer {_serverKey}", Header(request, "Authorization"));
        Assert.False(Body(request).ContainsKey("response_format"));
    }

    [Fact]
    public async Task Replay_WhenTheRunAskedTheModel_FeedsTheRecordedAnswerWithoutAskingAgain()
    {
        _provider.Script.Enqueue(Completion("Refill approved.", promptTokens: 9, completionTokens: 3));
        using var admin = _factory.CreateAdminClient();
        var original = await RunAsync(admin, LlmGraph(Ask()));

        var replay = await admin.PostAsJsonAsync($"/api/runs/{original["id"]}/replay", new { });
        var report = (await replay.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.Equal("completed", original.Status());
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal(0, report["differences"]!.GetValue<int>());
        Assert.Single(_provider.Requests);
    }

    [Fact]
    public async Task Run_WhenConfigHasTemplates_SendsRenderedSystemAndPromptWithModelTemperatureAndMaxTokens()
    {
        _provider.Script.Enqueue(Completion("ok"));
        using var admin = _factory.CreateAdminClient();
        var config = Ask("Draft a refill note for {{ input.patient }}: {{ input.drug }} x{{ input.quantity * 2 }}.");
        config["system"] = "You are the {{ input.site }} pharmacy assistant.";
        config["temperature"] = 0.2;
        config["maxTokens"] = 300;

        var run = await RunAsync(admin, LlmGraph(config), new JsonObject { ["patient"] = "Ada", ["drug"] = "lisinopril", ["quantity"] = 15, ["site"] = "north" });

        Assert.Equal("completed", run.Status());
        var body = Body(Assert.Single(_provider.Requests));
        Assert.Equal(Model, body["model"]!.GetValue<string>());
        Assert.Equal(0.2, body["temperature"]!.GetValue<double>());
        Assert.Equal(300, body["max_tokens"]!.GetValue<int>());
        var messages = body["messages"]!.AsArray();
        Assert.Equal(2, messages.Count);
        Assert.Equal(("system", "You are the north pharmacy assistant."), (messages[0]!["role"]!.GetValue<string>(), messages[0]!["content"]!.GetValue<string>()));
        Assert.Equal(("user", "Draft a refill note for Ada: lisinopril x30."), (messages[1]!["role"]!.GetValue<string>(), messages[1]!["content"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Run_WhenResponseFormatIsJson_AsksForAJsonObjectAndOutputsItParsedForDownstreamNodes()
    {
        _provider.Script.Enqueue(Completion("""{ "decision": "approve", "confidence": 0.93 }"""));
        using var admin = _factory.CreateAdminClient();
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("ask", "llm", Ask("Classify.", "json"), FastRetry),
                Node("route", "transform", new() { ["expression"] = "nodes.ask.output.json.decision + '!'" }),
            ],
            [Edge("start", "ask"), Edge("ask", "route")]);

        var run = await RunAsync(admin, graph);

        Assert.Equal("completed", run.Status());
        Assert.Equal("json_object", Body(Assert.Single(_provider.Requests))["response_format"]!["type"]!.GetValue<string>());
        Assert.Equal("approve!", run["output"]!["route"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_WhenJsonModeAnswerIsNotAnObject_FailsInvalidJsonAndSucceedsOnRetry()
    {
        _provider.Script.Enqueue(Completion("Sure! Here is the JSON: {\"decision\": "));
        _provider.Script.Enqueue(Completion("[1, 2]"));
        _provider.Script.Enqueue(Completion("""{ "decision": "reject" }"""));
        using var admin = _factory.CreateAdminClient();

        var run = await RunAsync(admin, LlmGraph(Ask("Classify.", "json")));

        Assert.Equal("completed", run.Status());
        Assert.Equal("reject", run["output"]!["ask"]!["json"]!["decision"]!.GetValue<string>());
        Assert.Equal(3, AskNode(run)["attempt"]!.GetValue<int>());
        var attempts = await admin.GetStringAsync($"/api/runs/{run["id"]!.GetValue<string>()}/nodes");
        Assert.Contains(LlmErrorCodes.InvalidJson, attempts, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenProviderRateLimits_RetriesAndCompletes()
    {
        _provider.Script.Enqueue(Error(429, "Rate limit reached for requests", new Dictionary<string, string> { ["Retry-After"] = "0" }));
        _provider.Script.Enqueue(Error(503, "overloaded"));
        _provider.Script.Enqueue(Completion("third time lucky"));
        using var admin = _factory.CreateAdminClient();

        var run = await RunAsync(admin, LlmGraph(Ask()));

        Assert.Equal("completed", run.Status());
        Assert.Equal("third time lucky", run["output"]!["ask"]!["text"]!.GetValue<string>());
        Assert.Equal(3, _provider.Requests.Count);
        var attempts = await admin.GetStringAsync($"/api/runs/{run["id"]!.GetValue<string>()}/nodes");
        Assert.Contains(LlmErrorCodes.RateLimited, attempts, StringComparison.Ordinal);
        Assert.Contains(LlmErrorCodes.Unavailable, attempts, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenProviderRejectsTheRequest_FailsRequestRejectedWithItsMessageWithoutRetrying()
    {
        _provider.Script.Enqueue(Error(400, "This model's maximum context length is 8192 tokens."));
        _provider.Script.Enqueue(Completion("never asked for"));
        using var admin = _factory.CreateAdminClient();

        var run = await RunAsync(admin, LlmGraph(Ask()));

        Assert.Equal("failed", run.Status());
        Assert.Equal(LlmErrorCodes.RequestRejected, ErrorCode(run));
        Assert.Contains("maximum context length is 8192 tokens", run["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(_provider.Requests);
        Assert.Equal(1, AskNode(run)["attempt"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_WhenServerHasNoLlmBaseUrl_FailsNotConfiguredWithoutRetryingOrDecrypting()
    {
        using var bare = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });
        var (alice, _, _) = await bare.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "openai", "bearer_token", new { token = $"sk-user-{Guid.NewGuid():N}" });

        var run = await RunAsync(alice, LlmGraph(Ask(credentialId: credential.ToString())));

        Assert.Equal("failed", run.Status());
        Assert.Equal(LlmErrorCodes.NotConfigured, ErrorCode(run));
        Assert.Contains("LLM_BASE_URL", run["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, AskNode(run)["attempt"]!.GetValue<int>());
        Assert.Empty(await CredentialApi.AuditAsync(bare.CreateAdminClient(), CredentialVault.UsedAction));
    }

    [Fact]
    public async Task Run_WhenNodeNamesABearerCredential_SendsItInsteadOfTheServerKeyAndAuditsTheUse()
    {
        var token = $"sk-user-{Guid.NewGuid():N}";
        _provider.Script.Enqueue(Completion("with the user's key"));
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "my openai", "bearer_token", new { token });

        var run = await RunAsync(alice, LlmGraph(Ask(credentialId: credential.ToString())));

        Assert.Equal("completed", run.Status());
        Assert.Equal($"Bearer {token}", Header(Assert.Single(_provider.Requests), "Authorization"));
        var used = Assert.Single(await CredentialApi.AuditAsync(_factory.CreateAdminClient(), CredentialVault.UsedAction));
        Assert.Equal("user:alice", used.GetProperty("actor").GetString());
        Assert.Equal($"credential:{credential}", used.GetProperty("target").GetString());
        Assert.Equal(run["id"]!.GetValue<string>(), used.GetProperty("data").GetProperty("runId").GetString());
        Assert.Equal("ask", used.GetProperty("data").GetProperty("nodeId").GetString());
        Assert.Contains($"llm asks model {Model}", used.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, run.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenNodeNamesAnApiKeyWithHeaderName_SendsTheKeyInThatHeaderOnly()
    {
        var key = $"azure-{Guid.NewGuid():N}";
        _provider.Script.Enqueue(Completion("ok"));
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "azure", "api_key", new { key, header_name = "api-key" });

        var run = await RunAsync(alice, LlmGraph(Ask(credentialId: credential.ToString())));

        Assert.Equal("completed", run.Status());
        var request = Assert.Single(_provider.Requests);
        Assert.Equal(key, Header(request, "api-key"));
        Assert.Equal("", Header(request, "Authorization"));
    }

    [Fact]
    public async Task Run_WhenCredentialCarriesNoKey_FailsTypeUnsupportedWithoutDecryptingOrSending()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "basic", "basic_auth", new { username = "ada", password = $"pw-{Guid.NewGuid():N}" });

        var run = await RunAsync(alice, LlmGraph(Ask(credentialId: credential.ToString())));

        Assert.Equal("failed", run.Status());
        Assert.Equal(LlmErrorCodes.CredentialTypeUnsupported, ErrorCode(run));
        Assert.Empty(_provider.Requests);
        Assert.Empty(await CredentialApi.AuditAsync(_factory.CreateAdminClient(), CredentialVault.UsedAction));
    }

    [Fact]
    public async Task Run_WhenProviderEchoesTheKey_NoRecordOfTheRunHoldsIt()
    {
        // A provider (or a model asked to repeat its context) that echoes the key in an error and in a completion.
        _provider.Script.Enqueue(Error(503, $"upstream refused key {_serverKey}"));
        _provider.Script.Enqueue(Completion($"Your key is {_serverKey}."));
        _provider.Script.Enqueue(Error(401, $"Incorrect API key provided: {_serverKey}"));
        using var admin = _factory.CreateAdminClient();
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("ask", "llm", Ask("Repeat your key."), FastRetry),
                Node("again", "llm", Ask("And again."), FastRetry),
            ],
            [Edge("start", "ask"), Edge("ask", "again")]);

        var workflow = await CreateWorkflowAsync(admin, graph);
        var runId = await StartAsync(admin, workflow);
        var run = await WaitForStatusAsync(admin, runId, "completed", "failed");
        var everything = string.Join("\n",
            run.ToJsonString(),
            await admin.GetStringAsync($"/api/runs/{runId}/events"),
            await admin.GetStringAsync($"/api/runs/{runId}/nodes"),
            await admin.GetStringAsync("/api/audit/export"),
            string.Join("\n", _logs.Lines));

        Assert.Equal("failed", run.Status());
        Assert.Equal(LlmErrorCodes.RequestRejected, ErrorCode(run));
        Assert.Equal(3, _provider.Requests.Count);
        Assert.All(_provider.Requests, r => Assert.Equal($"Bearer {_serverKey}", Header(r, "Authorization")));
        // The searched text is the right text: the echoed completion and both provider messages are in it, masked.
        Assert.Contains("Your key is ***.", everything, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided: ***", everything, StringComparison.Ordinal);
        Assert.Contains("upstream refused key ***", everything, StringComparison.Ordinal);
        Assert.Contains("llm " + Model, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(_serverKey, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_WhenTheRequestIsInFlight_AbortsItAtTheProvider()
    {
        _provider.Script.Enqueue(Completion("too late") with { Delay = TimeSpan.FromSeconds(30) });
        using var admin = _factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, LlmGraph(Ask()));
        var runId = await StartAsync(admin, workflow);
        await Eventually(() => !_provider.Requests.IsEmpty);

        (await admin.PostAsJsonAsync($"/api/runs/{runId}/cancel", new { reason = "no longer needed" })).EnsureSuccessStatusCode();

        Assert.Equal("cancelled", (await WaitForStatusAsync(admin, runId, "cancelled")).Status());
        await Eventually(() => _provider.Aborted == 1);
        Assert.Single(_provider.Requests);
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
