using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Credentials;
using ControlTower.Server.Mcp;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Mcp;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Governance;

/// <summary>
/// governed.action with a credential against real MCP servers: the approval names the credential, the action and its
/// rollback reach the server with it (headers over HTTP, env vars over stdio), and the dry run checks it.
/// </summary>
public sealed class GovernedActionCredentialTests : IDisposable
{
    private const string ActionType = "recorder.call";
    private readonly ControlTowerFactory _factory = new(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });

    public void Dispose() => _factory.Dispose();

    private static JsonObject ActionGraph(string server, string tool, Guid credentialId, bool withHooks)
    {
        var config = new JsonObject { ["actionType"] = ActionType, ["server"] = server, ["tool"] = tool, ["credentialId"] = credentialId.ToString() };
        if (withHooks)
        {
            config["readState"] = new JsonObject { ["tool"] = tool };
            config["compensation"] = new JsonObject { ["tool"] = tool, ["windowSeconds"] = 3600 };
        }

        return Graph(
            [Node("start", "trigger.manual"), Node("act", "governed.action", config), Node("done", "transform", new() { ["expression"] = "nodes.act.output" })],
            [Edge("start", "act"), Edge("act", "done")]);
    }

    /// <summary>The Authorization headers the recorder saw on requests that carried one (a catalog refresh without a credential carries none).</summary>
    private static List<string> Carried(RecordingMcpHttpServer recorder) => [.. recorder.AuthorizationHeaders.Where(h => h.Length > 0)];

    private async Task<RecordingMcpHttpServer> RecorderAsync()
    {
        var recorder = await RecordingMcpHttpServer.StartAsync();
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), new { id = "recorder", name = "recorder", transport = "streamable_http", url = recorder.Endpoint });
        return recorder;
    }

    private static async Task SetGateAsync(HttpClient admin, bool authorized) =>
        (await admin.PutAsJsonAsync("/api/gates", new { nodeType = "governed.action", actionType = ActionType, authorized, reason = "credential tests" })).EnsureSuccessStatusCode();

    [Fact]
    public async Task Approval_WhenActionUsesABearerCredential_EvidenceNamesItAndActionAndRollbackCarryIt()
    {
        var token = $"governed-bearer-{Guid.NewGuid():N}";
        await using var recorder = await RecorderAsync();
        using var admin = _factory.CreateAdminClient();
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (approver, _, _) = await _factory.CreateUserClientAsync("pat", "approver");
        var credential = await CredentialApi.CreateAsync(alice, "recorder token", "bearer_token", new { token });
        var workflow = await CreateWorkflowAsync(alice, ActionGraph("recorder", "whoami", credential, withHooks: true));
        var runId = await StartAsync(alice, workflow);

        var approval = await WaitForApprovalAsync(admin, runId);
        var named = approval["evidence"]!["credential"]!;
        Assert.Equal((credential.ToString(), "recorder token", "bearer_token"),
            (named["id"]!.GetValue<string>(), named["name"]!.GetValue<string>(), named["credentialType"]!.GetValue<string>()));
        Assert.DoesNotContain(token, approval.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(await CredentialApi.AuditAsync(admin, CredentialVault.UsedAction));
        Assert.Equal(HttpStatusCode.Created, (await DecideAsync(approver, approval.Id(), "approve", "cred-1")).StatusCode);
        var run = await WaitForStatusAsync(alice, runId, "completed", "failed");
        var calls = Carried(recorder).Count;
        var executionId = run["output"]?["done"]?["executionId"]?.GetValue<Guid>();
        var rollback = await alice.PostAsJsonAsync($"/api/executions/{executionId}/rollback", new { reason = "undo the credential test" });
        var execution = await admin.GetStringAsync($"/api/executions/{executionId}");

        Assert.Equal("completed", run.Status());
        Assert.Equal(credential.ToString(), run["output"]!["done"]!["credentialId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        // The action's connection (read before, call, read after) and the rollback's carried the user's header, and no other.
        Assert.True(calls >= 3, $"{calls} requests carried the credential");
        Assert.True(Carried(recorder).Count > calls, "the rollback did not carry the credential");
        Assert.All(Carried(recorder), header => Assert.Equal($"Bearer {token}", header));
        // The server echoed the header into the result, before and after state: the stored execution holds only the mask.
        Assert.Contains("***", execution, StringComparison.Ordinal);
        Assert.DoesNotContain(token, execution + run.ToJsonString(), StringComparison.Ordinal);
        var uses = await CredentialApi.AuditAsync(admin, CredentialVault.UsedAction);
        Assert.Equal(2, uses.Length);
        Assert.All(uses, use =>
        {
            Assert.Equal("user:alice", use.GetProperty("actor").GetString());
            Assert.Equal(runId.ToString(), use.GetProperty("data").GetProperty("runId").GetString());
            Assert.Equal("act", use.GetProperty("data").GetProperty("nodeId").GetString());
        });
        Assert.Contains(uses, use => use.GetProperty("reason").GetString()!.StartsWith("rollback of governed execution", StringComparison.Ordinal));
        Assert.Equal(credential.ToString(), Assert.Single(await AuditAsync(admin, "governance.action_executed"))["data"]!["credentialId"]!.GetValue<string>());
        await AssertAuditIntactAsync(admin);
    }

    [Fact]
    public async Task Execute_WhenActionUsesAnEnvVarsCredential_StdioServerSeesTheVariable()
    {
        var secret = $"governed-env-{Guid.NewGuid():N}";
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), McpApi.StdioEverything());
        using var admin = _factory.CreateAdminClient();
        await SetGateAsync(admin, authorized: true);
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "everything env", "env_vars", new { variables = new Dictionary<string, string> { ["ALICE_VAR"] = secret } });
        var workflow = await CreateWorkflowAsync(alice, ActionGraph("everything", "get-env", credential, withHooks: false));

        var run = await WaitForStatusAsync(alice, await StartAsync(alice, workflow), "completed", "failed");

        Assert.Equal("completed", run.Status());
        var environment = JsonNode.Parse(run["output"]!["done"]!["result"]!["content"]![0]!["text"]!.GetValue<string>())!;
        Assert.Equal("***", environment["ALICE_VAR"]!.GetValue<string>());
        Assert.DoesNotContain(secret, run.ToJsonString() + await admin.GetStringAsync("/api/executions"), StringComparison.Ordinal);
        Assert.Single(await CredentialApi.AuditAsync(admin, CredentialVault.UsedAction));
    }

    [Fact]
    public async Task Execute_WhenABearerCredentialIsGivenToAStdioServer_FailsTypeUnsupportedBeforeProposing()
    {
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), McpApi.StdioEverything());
        using var admin = _factory.CreateAdminClient();
        await SetGateAsync(admin, authorized: true);
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "token for stdio", "bearer_token", new { token = $"stdio-{Guid.NewGuid():N}" });
        var workflow = await CreateWorkflowAsync(alice, ActionGraph("everything", "get-env", credential, withHooks: false));

        var run = await WaitForStatusAsync(alice, await StartAsync(alice, workflow), "completed", "failed");

        Assert.Equal("failed", run.Status());
        Assert.Equal(McpErrorCodes.CredentialTypeUnsupported, run["error"]!["code"]!.GetValue<string>());
        Assert.Empty(await AuditAsync(admin, "governance.action_proposed"));
        Assert.Empty(await CredentialApi.AuditAsync(admin, CredentialVault.UsedAction));
    }

    [Fact]
    public async Task Execute_WhenCallerMayNotUseTheAuthorsCredential_FailsNotFoundBeforeProposing()
    {
        await using var recorder = await RecorderAsync();
        using var admin = _factory.CreateAdminClient();
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, bobId) = await _factory.CreateUserClientAsync("bob", "operator");
        var credential = await CredentialApi.CreateAsync(alice, "recorder token", "bearer_token", new { token = $"alice-only-{Guid.NewGuid():N}" });
        var workflow = await CreateWorkflowAsync(alice, ActionGraph("recorder", "whoami", credential, withHooks: true));
        await ShareWorkflowAsync(alice, workflow, bobId);

        var run = await WaitForStatusAsync(bob, await StartAsync(bob, workflow), "completed", "failed");

        Assert.Equal("failed", run.Status());
        Assert.Equal(CredentialErrorCodes.NotFound, run["error"]!["code"]!.GetValue<string>());
        Assert.Empty(Carried(recorder));
        Assert.Empty(await AuditAsync(admin, "governance.action_proposed"));
        Assert.Empty(await CredentialApi.AuditAsync(admin, CredentialVault.UsedAction));
    }

    [Fact]
    public async Task DryRun_WhenCredentialIsGiven_ChecksItExistsIsUsableAndFitsTheTransport()
    {
        await using var recorder = await RecorderAsync();
        await McpApi.RegisterAsync(_factory.CreateAdminClient(), McpApi.StdioEverything());
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (bob, _, _) = await _factory.CreateUserClientAsync("bob", "operator");
        var bearer = await CredentialApi.CreateAsync(alice, "recorder token", "bearer_token", new { token = $"dry-run-{Guid.NewGuid():N}" });
        var env = await CredentialApi.CreateAsync(alice, "stdio env", "env_vars", new { variables = new Dictionary<string, string> { ["X"] = $"dry-env-{Guid.NewGuid():N}" } });
        async Task<JsonObject> DryRun(HttpClient client, string server, string? credentialId) =>
            (await (await client.PostAsJsonAsync("/api/governance/dry-run", new { actionType = ActionType, server, tool = "whoami", credentialId }))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["credentials"]!.AsObject();

        var usable = await DryRun(alice, "recorder", bearer.ToString());
        var notTheirs = await DryRun(bob, "recorder", bearer.ToString());
        var wrongTransport = await DryRun(alice, "recorder", env.ToString());
        var stdioFit = await DryRun(alice, "everything", env.ToString());
        var headersToStdio = await DryRun(alice, "everything", bearer.ToString());
        var malformed = await DryRun(alice, "recorder", "not-a-uuid");
        var none = await DryRun(alice, "recorder", null);

        Assert.True(usable["ok"]!.GetValue<bool>(), usable.ToJsonString());
        Assert.Equal(bearer.ToString(), usable["credential"]!["id"]!.GetValue<string>());
        Assert.Equal("recorder token", usable["credential"]!["name"]!.GetValue<string>());
        Assert.False(notTheirs["ok"]!.GetValue<bool>());
        Assert.Null(notTheirs["credential"]);
        Assert.False(wrongTransport["ok"]!.GetValue<bool>(), wrongTransport.ToJsonString());
        Assert.True(stdioFit["ok"]!.GetValue<bool>(), stdioFit.ToJsonString());
        Assert.False(headersToStdio["ok"]!.GetValue<bool>(), headersToStdio.ToJsonString());
        Assert.False(malformed["ok"]!.GetValue<bool>());
        Assert.True(none["ok"]!.GetValue<bool>());
        Assert.Empty(await CredentialApi.AuditAsync(_factory.CreateAdminClient(), CredentialVault.UsedAction));
    }
}
