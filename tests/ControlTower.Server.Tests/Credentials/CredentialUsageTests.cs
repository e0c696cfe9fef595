using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Nodes;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Credentials;

/// <summary>A credential shows the workflows that name it and its audited uses; a stranger learns nothing.</summary>
public sealed class CredentialUsageTests : IAsyncLifetime
{
    private readonly ControlTowerFactory _factory = new(new Dictionary<string, string?> { ["HTTP_NODE_ALLOW"] = "127.0.0.1" });
    private LocalHttpServer _api = null!;

    public async Task InitializeAsync() => _api = await LocalHttpServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _factory.Dispose();
    }

    [Fact]
    public async Task Usage_AfterARun_ListsTheWorkflowItsNodeAndTheUseWithItsRun()
    {
        var admin = _factory.CreateAdminClient();
        var credential = await CredentialApi.CreateAsync(admin, "orders api", "api_key", new { key = "k-usage-0123456789" });
        var graph = Graph(
            [Node("start", "trigger.manual"), Node("call", "http.request", new() { ["method"] = "GET", ["url"] = _api.Url("/echo"), ["credentialId"] = credential.ToString() })],
            [Edge("start", "call")]);
        var workflow = await CreateWorkflowAsync(admin, graph, "orders sync");
        var run = await StartAsync(admin, workflow);
        await WaitForStatusAsync(admin, run, "completed");

        var usage = (await admin.GetFromJsonAsync<JsonObject>($"/api/credentials/{credential}/usage"))!;

        var used = Assert.Single(usage["workflows"]!.AsArray());
        Assert.Equal("orders sync", used!["name"]!.GetValue<string>());
        Assert.Equal(["call"], used["nodeIds"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(1, usage["uses"]!.GetValue<int>());
        Assert.Equal(run.ToString(), usage["recent"]![0]!["runId"]!.GetValue<string>());
        Assert.DoesNotContain("k-usage-0123456789", usage.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_WhenBoundToAnMcpServer_OpensASessionWithItAndAuditsTheUse()
    {
        var admin = _factory.CreateAdminClient();
        await Mcp.McpApi.RegisterAsync(admin, Mcp.McpApi.StdioEverything());
        var secret = $"env-test-{Guid.NewGuid():N}";
        var bound = await CredentialApi.CreateAsync(admin, "everything env", "env_vars",
            new { variables = new Dictionary<string, string> { ["EVERYTHING_TOKEN"] = secret } }, mcpServerId: "everything");
        var unbound = await CredentialApi.CreateAsync(admin, "plain key", "api_key", new { key = "k-plain-0123456789" });

        using var tested = await admin.PostAsync($"/api/credentials/{bound}/test", null);
        using var refused = await admin.PostAsync($"/api/credentials/{unbound}/test", null);

        var result = (await tested.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(result["ok"]!.GetValue<bool>(), result.ToJsonString());
        Assert.DoesNotContain(secret, result.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("credential.test_unsupported", await CredentialApi.ProblemCodeAsync(refused));
        Assert.Contains(await CredentialApi.AuditAsync(admin, "credential.used"),
            e => e.GetProperty("target").GetString() == $"credential:{bound}" && e.GetProperty("reason").GetString()!.Contains("connection test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Usage_WhenTheCallerMayNotSeeTheCredential_IsNotFound()
    {
        var credential = await CredentialApi.CreateAsync(_factory.CreateAdminClient(), "private", "api_key", new { key = "k-private-0123456789" });
        var (stranger, _, _) = await _factory.CreateUserClientAsync("sam", "operator");

        using var response = await stranger.GetAsync($"/api/credentials/{credential}/usage");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
