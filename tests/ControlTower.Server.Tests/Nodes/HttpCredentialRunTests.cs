using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Server.Credentials;
using ControlTower.Server.Nodes;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Nodes;

/// <summary>
/// http.request with <c>config.credentialId</c> through the whole application: a run of the acting user sends the
/// credential as headers to a real loopback receiver; the secret is masked everywhere the run is recorded.
/// </summary>
public sealed class HttpCredentialRunTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private ControlTowerFactory _factory = null!;
    private LocalHttpServer _receiver = null!;

    public async Task InitializeAsync()
    {
        _factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50", ["HTTP_NODE_ALLOW"] = "127.0.0.1" })
            .WithServices(_logs.AddTo);
        _receiver = await LocalHttpServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _factory.Dispose();
        _logs.Dispose();
    }

    private static string Secret(string label) => $"{label}-{Guid.NewGuid():N}";

    private JsonObject CallGraph(Guid credentialId, JsonObject? headers = null)
    {
        var config = new JsonObject { ["method"] = "POST", ["url"] = _receiver.Url("/echo"), ["body"] = "{'hello': 'world'}", ["credentialId"] = credentialId.ToString() };
        if (headers is not null)
        {
            config["headers"] = headers;
        }

        return Graph([Node("start", "trigger.manual"), Node("call", "http.request", config)], [Edge("start", "call")]);
    }

    private async Task<JsonObject> RunAsync(HttpClient client, Guid credentialId, JsonObject? headers = null)
    {
        var workflow = await CreateWorkflowAsync(client, CallGraph(credentialId, headers));
        return await WaitForStatusAsync(client, await StartAsync(client, workflow), "completed", "failed");
    }

    private string ReceivedHeader(string name) => _receiver.Requests.Last()["headers"]![name.ToLowerInvariant()]!.GetValue<string>();

    [Theory]
    [InlineData("bearer_token", """{ "token": "SECRET" }""", "Authorization", "Bearer SECRET")]
    [InlineData("api_key", """{ "key": "SECRET" }""", CredentialInjection.DefaultApiKeyHeader, "SECRET")]
    [InlineData("api_key", """{ "key": "SECRET", "header_name": "X-Pharmacy-Key" }""", "X-Pharmacy-Key", "SECRET")]
    [InlineData("headers", """{ "headers": { "X-Tenant-Token": "SECRET", "X-Tenant": "north" } }""", "X-Tenant-Token", "SECRET")]
    public async Task Run_WhenNodeNamesHeaderCredential_ReceiverGetsTheHeaderAndTheRunOnlyTheMask(string type, string data, string header, string expected)
    {
        var secret = Secret("http-" + type);
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "receiver", type, JsonNode.Parse(data.Replace("SECRET", secret, StringComparison.Ordinal))!);

        var run = await RunAsync(alice, credential);

        Assert.Equal("completed", run.Status());
        Assert.Equal(expected.Replace("SECRET", secret, StringComparison.Ordinal), ReceivedHeader(header));
        Assert.Equal("world", JsonNode.Parse(_receiver.Requests.Last()["body"]!.GetValue<string>())!["hello"]!.GetValue<string>());
        // The whole header value is a registered secret (so is its credentials part): the recorded echo is only the mask.
        Assert.Equal("***", run["output"]!["call"]!["body"]!["headers"]![header.ToLowerInvariant()]!.GetValue<string>());
        Assert.DoesNotContain(secret, run.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenNodeNamesBasicAuthCredential_ReceiverGetsBasicAuthorization()
    {
        var (user, password) = (Secret("basic-user"), Secret("basic-pass"));
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "receiver", "basic_auth", new { username = user, password });

        var run = await RunAsync(alice, credential);

        Assert.Equal("completed", run.Status());
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")), ReceivedHeader("Authorization"));
        Assert.Equal("***", run["output"]!["call"]!["body"]!["headers"]!["authorization"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_WhenNodeNamesOAuthClientCredentials_ReceiverGetsTheCachedAccessToken()
    {
        var clientSecret = Secret("oauth-client");
        await using var tokens = await LocalTokenEndpoint.StartAsync("ct-client", clientSecret, expiresInSeconds: 3600, tokenPrefix: "oauth-access-");
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "receiver", "oauth2_client_credentials",
            new { token_url = tokens.TokenUrl, client_id = "ct-client", client_secret = clientSecret, scopes = new[] { "refills" } });

        var first = await RunAsync(alice, credential);
        var second = await RunAsync(alice, credential);

        Assert.Equal(("completed", "completed"), (first.Status(), second.Status()));
        var token = Assert.Single(tokens.IssuedTokens);
        Assert.All(_receiver.Requests, r => Assert.Equal($"Bearer {token}", r["headers"]!["authorization"]!.GetValue<string>()));
        Assert.Equal(2, _receiver.Requests.Count);
        Assert.DoesNotContain(token, first.ToJsonString() + second.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenCallerMayNotUseTheAuthorsCredential_FailsNotFoundWithoutSendingOrDecrypting()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, bobId) = await _factory.CreateUserClientAsync("bob", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "receiver", "bearer_token", new { token = Secret("alice-only") });
        // Alice may save it; bob may run it, and a run he starts acts as him.
        var workflow = await CreateWorkflowAsync(alice, CallGraph(credential));
        await ShareWorkflowAsync(alice, workflow, bobId);

        var run = await WaitForStatusAsync(bob, await StartAsync(bob, workflow), "completed", "failed");

        Assert.Equal("failed", run.Status());
        Assert.Equal(CredentialErrorCodes.NotFound, run["error"]!["code"]!.GetValue<string>());
        Assert.Equal(1, run["nodes"]!.AsArray().Single(n => n!["nodeId"]!.GetValue<string>() == "call")!["attempt"]!.GetValue<int>());
        Assert.Empty(_receiver.Requests);
        Assert.Empty(await CredentialApi.AuditAsync(_factory.CreateAdminClient(), CredentialVault.UsedAction));
    }

    [Theory]
    [InlineData("user")]
    [InlineData("role")]
    public async Task Run_WhenCredentialIsSharedWithTheActingUser_SendsItAndAuditsTheGranteesUse(string grantee)
    {
        var secret = Secret("shared");
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, bobId) = await _factory.CreateUserClientAsync("bob", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "receiver", "bearer_token", new { token = secret });
        object share = grantee == "user" ? new { userId = bobId } : new { role = "operator" };
        (await alice.PostAsJsonAsync($"/api/credentials/{credential}/shares", share)).EnsureSuccessStatusCode();

        var run = await RunAsync(bob, credential);

        Assert.Equal("completed", run.Status());
        Assert.Equal($"Bearer {secret}", ReceivedHeader("Authorization"));
        var used = Assert.Single(await CredentialApi.AuditAsync(_factory.CreateAdminClient(), CredentialVault.UsedAction));
        Assert.Equal("user:bob", used.GetProperty("actor").GetString());
        Assert.Equal($"credential:{credential}", used.GetProperty("target").GetString());
        Assert.Equal(run["id"]!.GetValue<string>(), used.GetProperty("data").GetProperty("runId").GetString());
        Assert.Equal("call", used.GetProperty("data").GetProperty("nodeId").GetString());
        Assert.Equal(CredentialResponse.SharedAccess, used.GetProperty("data").GetProperty("access").GetString());
        Assert.Contains("http.request sends POST http://127.0.0.1", used.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenCredentialIsEnvVars_FailsTypeUnsupportedWithoutDecrypting()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "stdio only", "env_vars", new { variables = new Dictionary<string, string> { ["TOKEN"] = Secret("env") } });

        var run = await RunAsync(alice, credential);

        Assert.Equal("failed", run.Status());
        Assert.Equal(NodeErrorCodes.HttpCredentialTypeUnsupported, run["error"]!["code"]!.GetValue<string>());
        Assert.Empty(_receiver.Requests);
        Assert.Empty(await CredentialApi.AuditAsync(_factory.CreateAdminClient(), CredentialVault.UsedAction));
    }

    [Fact]
    public async Task Run_WhenTheDestinationIsDenied_FailsDeniedWithoutDecrypting()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "receiver", "bearer_token", new { token = Secret("denied") });
        var graph = CallGraph(credential);
        graph["nodes"]![1]!["config"]!["url"] = "http://127.0.0.2:9/inward";

        var workflow = await CreateWorkflowAsync(alice, graph);
        var run = await WaitForStatusAsync(alice, await StartAsync(alice, workflow), "completed", "failed");

        Assert.Equal("failed", run.Status());
        Assert.Equal(NodeErrorCodes.HttpDestinationDenied, run["error"]!["code"]!.GetValue<string>());
        Assert.Empty(await CredentialApi.AuditAsync(_factory.CreateAdminClient(), CredentialVault.UsedAction));
    }

    [Theory]
    [InlineData("authorization")]
    [InlineData("AUTHORIZATION")]
    public async Task Run_WhenConfigHeadersNameTheCredentialsHeader_FailsHeaderConflictWithoutSending(string configured)
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "receiver", "bearer_token", new { token = Secret("conflict") });

        var run = await RunAsync(alice, credential, new JsonObject { [configured] = "Bearer from-config" });

        Assert.Equal("failed", run.Status());
        Assert.Equal(NodeErrorCodes.HttpHeaderConflict, run["error"]!["code"]!.GetValue<string>());
        Assert.Equal(0, _receiver.Connections);
    }

    [Fact]
    public async Task Run_WhenTheReceiverEchoesTheCredential_NoRecordOfTheRunHoldsTheSecret()
    {
        var token = Secret("leak-bearer");
        var (user, password) = (Secret("leak-user"), Secret("leak-pass"));
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var bearer = await CredentialApi.CreateAsync(alice, "bearer", "bearer_token", new { token });
        var basic = await CredentialApi.CreateAsync(alice, "basic", "basic_auth", new { username = user, password });
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("first", "http.request", new() { ["method"] = "POST", ["url"] = _receiver.Url("/echo"), ["credentialId"] = bearer.ToString() }),
                Node("second", "http.request", new() { ["url"] = _receiver.Url("/echo"), ["credentialId"] = basic.ToString() }),
                Node("copy", "transform", new() { ["expression"] = "{'a': nodes.first.output.body.headers, 'b': nodes.second.output.body.headers}" }),
            ],
            [Edge("start", "first"), Edge("first", "second"), Edge("second", "copy")]);
        var workflow = await CreateWorkflowAsync(alice, graph);

        var runId = await StartAsync(alice, workflow);
        var run = await WaitForStatusAsync(alice, runId, "completed", "failed");
        using var admin = _factory.CreateAdminClient();
        var everything = string.Join("\n",
            run.ToJsonString(),
            await alice.GetStringAsync($"/api/runs/{runId}/events"),
            await alice.GetStringAsync($"/api/runs/{runId}/nodes"),
            await admin.GetStringAsync("/api/audit/export"),
            string.Join("\n", _logs.Lines));

        Assert.Equal("completed", run.Status());
        Assert.Equal($"Bearer {token}", _receiver.Requests.First()["headers"]!["authorization"]!.GetValue<string>());
        // The searched text is the right text: the echoed headers and both audited uses are in it, masked.
        Assert.Contains("\"authorization\":\"***\"", everything, StringComparison.Ordinal);
        Assert.Contains("\"b\":{", everything, StringComparison.Ordinal);
        Assert.Equal(2, (await CredentialApi.AuditAsync(admin, CredentialVault.UsedAction)).Length);
        foreach (var secret in new[] { token, user, password, Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")) })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }
}
