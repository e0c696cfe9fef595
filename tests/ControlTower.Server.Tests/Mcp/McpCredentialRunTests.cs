using System.Text.Json.Nodes;
using ControlTower.Server.Credentials;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Mcp;

/// <summary>A user's credential reaches a real MCP server through a workflow run: env vars for stdio, headers for HTTP.</summary>
public sealed class McpCredentialRunTests : IDisposable
{
    private const string EnvSecret = "alice-env-3f9a0c71d2";
    private const string BearerSecret = "alice-bearer-8e2d4b60a7";
    private readonly ControlTowerFactory _factory = new(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });

    public void Dispose() => _factory.Dispose();

    private static JsonObject CallGraph(string server, string tool, string? credentialId = null)
    {
        var config = new JsonObject { ["server"] = server, ["tool"] = tool };
        if (credentialId is not null)
        {
            config["credentialId"] = credentialId;
        }

        return Graph(
            [
                Node("start", "trigger.manual"),
                Node("call", "mcp.tool", config),
                Node("reply", "respond", new() { ["body"] = "nodes.call.output.content[0].text" }),
            ],
            [Edge("start", "call"), Edge("call", "reply")]);
    }

    [Fact]
    public async Task Run_WhenNodeNamesEnvVarsCredential_StdioServerSeesTheVariable()
    {
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), McpApi.StdioEverything());
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "everything env", "env_vars", new { variables = new Dictionary<string, string> { ["ALICE_VAR"] = EnvSecret } });
        var workflow = await CreateWorkflowAsync(alice, CallGraph("everything", "get-env", credential.ToString()));

        var run = await WaitForStatusAsync(alice, await StartAsync(alice, workflow), "completed", "failed");

        Assert.Equal("completed", run.Status());
        // The server saw the variable; the stored run output has its value redacted (the secret registry masks it).
        var environment = JsonNode.Parse(run["output"]!["body"]!.GetValue<string>())!.AsObject();
        Assert.Equal("***", environment["ALICE_VAR"]!.GetValue<string>());
        Assert.DoesNotContain(EnvSecret, run.ToJsonString(), StringComparison.Ordinal);
        var used = Assert.Single(await CredentialApi.AuditAsync(_factory.CreateAdminClient(), CredentialVault.UsedAction));
        Assert.Equal(run["id"]!.GetValue<string>(), used.GetProperty("data").GetProperty("runId").GetString());
        Assert.Equal("call", used.GetProperty("data").GetProperty("nodeId").GetString());
        Assert.Equal("user:alice", used.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task Run_WhenUserMayNotUseTheCredential_FailsWithCredentialNotFoundWithoutRetry()
    {
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), McpApi.StdioEverything());
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, bobId) = await _factory.CreateUserClientAsync("bob", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "everything env", "env_vars", new { variables = new Dictionary<string, string> { ["ALICE_VAR"] = EnvSecret } });
        var workflow = await CreateWorkflowAsync(alice, CallGraph("everything", "get-env", credential.ToString()));
        await ShareWorkflowAsync(alice, workflow, bobId);

        var run = await WaitForStatusAsync(bob, await StartAsync(bob, workflow), "completed", "failed");

        Assert.Equal("failed", run.Status());
        Assert.Equal(CredentialErrorCodes.NotFound, run["error"]!["code"]!.GetValue<string>());
        Assert.Equal(1, run["nodes"]!.AsArray().Single(n => n!["nodeId"]!.GetValue<string>() == "call")!["attempt"]!.GetValue<int>());
        Assert.DoesNotContain(EnvSecret, run.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenHttpServerIsBoundToBearerCredentials_ServerReceivesTheUsersBearerHeader()
    {
        await using var recorder = await RecordingMcpHttpServer.StartAsync();
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), new
        {
            id = "recorder",
            name = "recorder",
            transport = "streamable_http",
            url = recorder.Endpoint,
            credentialType = "bearer_token",
        });
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        await CredentialApi.CreateAsync(alice, "recorder token", "bearer_token", new { token = BearerSecret }, mcpServerId: "recorder");
        var workflow = await CreateWorkflowAsync(alice, CallGraph("recorder", "whoami"));

        var run = await WaitForStatusAsync(alice, await StartAsync(alice, workflow), "completed", "failed");

        Assert.Equal("completed", run.Status());
        Assert.Contains($"Bearer {BearerSecret}", recorder.AuthorizationHeaders);
        Assert.Equal("***", run["output"]!["body"]!.GetValue<string>());
        Assert.DoesNotContain(BearerSecret, run.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WhenServerNeedsACredentialTheUserLacks_FailsWithCredentialNotFound()
    {
        await using var recorder = await RecordingMcpHttpServer.StartAsync();
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), new
        {
            id = "recorder",
            name = "recorder",
            transport = "streamable_http",
            url = recorder.Endpoint,
            credentialType = "bearer_token",
        });
        var (bob, _, _) = await _factory.CreateUserClientAsync("bob", "operator");
        var workflow = await CreateWorkflowAsync(bob, CallGraph("recorder", "whoami"));

        var run = await WaitForStatusAsync(bob, await StartAsync(bob, workflow), "completed", "failed");

        Assert.Equal("failed", run.Status());
        Assert.Equal(CredentialErrorCodes.NotFound, run["error"]!["code"]!.GetValue<string>());
        Assert.Empty(recorder.AuthorizationHeaders);
    }
}
