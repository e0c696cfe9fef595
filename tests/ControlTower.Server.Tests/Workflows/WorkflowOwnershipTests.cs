using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Workflows;
using static ControlTower.Server.Tests.Governance.GovernanceApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Workflows;

/// <summary>
/// Workflow ownership over HTTP with real keys: the owner, editors and admins save, switch and share; runners start;
/// everyone else may read but not act; runs without a caller act as the version's author; a version naming a
/// credential its author may not use is refused with a problem naming the node.
/// </summary>
public sealed class WorkflowOwnershipTests : IAsyncLifetime
{
    private ControlTowerFactory _factory = null!;
    private HttpClient _admin = null!;

    public Task InitializeAsync()
    {
        _factory = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });
        _admin = _factory.CreateAdminClient();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        _factory.Dispose();
        return Task.CompletedTask;
    }

    private static JsonObject SimpleGraph(string expression = "1") =>
        Graph([Node("start", "trigger.manual"), Node("calc", "transform", new() { ["expression"] = expression })], [Edge("start", "calc")]);

    private static JsonObject HookGraph(JsonObject? extra = null)
    {
        var nodes = new JsonArray(Node("hook", "trigger.webhook", new()), Node("calc", "transform", new() { ["expression"] = "input.body" }));
        var edges = new JsonArray(Edge("hook", "calc"));
        if (extra is not null)
        {
            nodes.Add(extra.DeepClone());
            edges.Add(Edge("calc", extra["id"]!.GetValue<string>()));
        }

        return Graph(nodes, edges);
    }

    private static Task<HttpResponseMessage> SaveAsync(HttpClient client, Guid workflow, JsonObject graph) =>
        client.PostAsJsonAsync($"/api/workflows/{workflow}/versions", new { graph, message = "change" });

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    [Fact]
    public async Task SaveVersion_WhenCallerIsAnotherOperator_IsForbiddenAndSavesNothing()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (mallory, _, _) = await _factory.CreateUserClientAsync("mallory", "operator");
        var workflow = await CreateWorkflowAsync(alice, SimpleGraph());

        using var save = await SaveAsync(mallory, workflow, SimpleGraph("2"));
        using var disable = await mallory.PostAsJsonAsync($"/api/workflows/{workflow}/disable", new { });
        using var share = await mallory.PutAsJsonAsync($"/api/workflows/{workflow}/shares", new { shares = Array.Empty<object>() });
        using var start = await mallory.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { });

        foreach (var response in new[] { save, disable, share, start })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(WorkflowErrorCodes.Forbidden, await CodeAsync(response));
        }

        var detail = await mallory.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow}");
        Assert.Equal(1, detail!["version"]!["version"]!.GetValue<int>());
        Assert.True(detail["workflow"]!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Shares_WhenEditorAndRunnerAreGranted_EditorSavesRunnerOnlyStarts()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (erin, _, erinId) = await _factory.CreateUserClientAsync("erin", "operator");
        var (rita, _, ritaId) = await _factory.CreateUserClientAsync("rita", "operator");
        var workflow = await CreateWorkflowAsync(alice, SimpleGraph());

        using var put = await alice.PutAsJsonAsync($"/api/workflows/{workflow}/shares", new
        {
            shares = new object[] { new { userId = erinId, access = "editor" }, new { userId = ritaId, access = "runner" } },
            reason = "team rota",
        });
        put.EnsureSuccessStatusCode();

        using var editorSave = await SaveAsync(erin, workflow, SimpleGraph("2"));
        using var runnerSave = await SaveAsync(rita, workflow, SimpleGraph("3"));
        var run = await WaitForStatusAsync(rita, await StartAsync(rita, workflow), "completed", "failed");
        var seenByRita = await rita.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow}/shares");

        Assert.Equal(HttpStatusCode.Created, editorSave.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, runnerSave.StatusCode);
        Assert.Equal(("completed", ritaId.ToString(), "caller"), (run.Status(), run["startedBy"]!.GetValue<string>(), run["principalSource"]!.GetValue<string>()));
        Assert.Equal("runner", seenByRita!["callerAccess"]!.GetValue<string>());
        Assert.Equal(2, seenByRita["shares"]!.AsArray().Count);
        var audit = Assert.Single(await AuditAsync(_admin, "workflow.shares_changed"));
        Assert.Equal("user:alice", audit["actor"]!.GetValue<string>());
        Assert.Equal("team rota", audit["reason"]!.GetValue<string>());
        Assert.Equal(2, audit["data"]!["added"]!.AsArray().Count);
    }

    [Fact]
    public async Task Shares_WhenGrantedToARole_EveryHolderOfTheRoleGetsTheAccess()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (svc, _, _) = await _factory.CreateUserClientAsync("svc", "service");
        var workflow = await CreateWorkflowAsync(alice, SimpleGraph());
        using var before = await svc.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { });

        (await alice.PutAsJsonAsync($"/api/workflows/{workflow}/shares", new { shares = new[] { new { role = "service", access = "runner" } } })).EnsureSuccessStatusCode();
        using var after = await svc.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { });

        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    [Theory]
    [InlineData("""{ "shares": [ { "access": "runner" } ] }""")]
    [InlineData("""{ "shares": [ { "role": "operator", "userId": "00000000-0000-0000-0000-000000000001", "access": "runner" } ] }""")]
    [InlineData("""{ "shares": [ { "role": "wizard", "access": "runner" } ] }""")]
    [InlineData("""{ "shares": [ { "role": "operator", "access": "owner" } ] }""")]
    [InlineData("""{ "shares": [ { "userId": "00000000-0000-0000-0000-0000000000aa", "access": "editor" } ] }""")]
    public async Task PutShares_WhenAShareIsInvalid_Is400ShareInvalid(string body)
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var workflow = await CreateWorkflowAsync(alice, SimpleGraph());

        using var response = await alice.PutAsync($"/api/workflows/{workflow}/shares", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(WorkflowErrorCodes.ShareInvalid, await CodeAsync(response));
    }

    [Fact]
    public async Task PutShares_WhenChangedInParallel_EachAnswersOkOrConflictAndTheLastSetStands()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var workflow = await CreateWorkflowAsync(alice, SimpleGraph());
        var roles = new[] { "viewer", "service", "approver", "operator" };
        (await alice.PutAsJsonAsync($"/api/workflows/{workflow}/shares", new { shares = roles.Select(r => new { role = r, access = "runner" }) })).EnsureSuccessStatusCode();

        var responses = await Task.WhenAll(roles.Select(keep =>
            alice.PutAsJsonAsync($"/api/workflows/{workflow}/shares", new { shares = new[] { new { role = keep, access = "editor" } } })));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.Equal(WorkflowErrorCodes.SharesConflict, await CodeAsync(conflict));
        }

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var final = await alice.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow}/shares");
        Assert.All(final!["shares"]!.AsArray(), s => Assert.Equal("editor", s!["access"]!.GetValue<string>()));
    }

    [Fact]
    public async Task AdminAndOwner_MayDoEverything_OwnerSharesAreEmptyByDefault()
    {
        var (alice, _, aliceId) = await _factory.CreateUserClientAsync("alice", "operator");
        var workflow = await CreateWorkflowAsync(alice, SimpleGraph());

        using var adminSave = await SaveAsync(_admin, workflow, SimpleGraph("5"));
        using var adminDisable = await _admin.PostAsJsonAsync($"/api/workflows/{workflow}/disable", new { reason = "incident" });
        using var ownerEnable = await alice.PostAsJsonAsync($"/api/workflows/{workflow}/enable", new { });
        var shares = await alice.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow}/shares");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK), (adminSave.StatusCode, adminDisable.StatusCode, ownerEnable.StatusCode));
        Assert.Equal(aliceId.ToString(), shares!["ownerId"]!.GetValue<string>());
        Assert.Equal("owner", shares["callerAccess"]!.GetValue<string>());
        Assert.Empty(shares["shares"]!.AsArray());
    }

    [Fact]
    public async Task Create_WhenANodeNamesAnotherUsersCredential_IsRefusedWithAProblemNamingTheNode()
    {
        var (victim, _, _) = await _factory.CreateUserClientAsync("victim", "operator");
        var (mallory, _, _) = await _factory.CreateUserClientAsync("mallory", "operator");
        var credential = await CredentialApi.CreateAsync(victim, "api token", "bearer_token", new { token = $"victim-{Guid.NewGuid():N}" });
        var exfil = Node("exfil", "http.request", new() { ["method"] = "POST", ["url"] = "http://127.0.0.1:9/x", ["credentialId"] = credential.ToString() });

        using var create = await mallory.PostAsJsonAsync("/api/workflows", new { name = "mine", graph = HookGraph(exfil) });
        var validate = await mallory.PostAsJsonAsync("/api/workflows/validate", new { graph = HookGraph(exfil) });

        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        var problem = await ProblemAsync(create);
        Assert.Equal(WorkflowErrorCodes.GraphInvalid, problem["code"]!.GetValue<string>());
        var item = Assert.Single(problem["problems"]!.AsArray());
        Assert.Equal(WorkflowErrorCodes.CredentialNotUsable, item!["code"]!.GetValue<string>());
        Assert.Equal("/nodes/2/config/credentialId", item["jsonPointer"]!.GetValue<string>());
        Assert.Contains("'exfil'", item["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var checkedGraph = (await validate.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False(checkedGraph["valid"]!.GetValue<bool>());
        Assert.Equal(WorkflowErrorCodes.CredentialNotUsable, checkedGraph["problems"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task SaveVersion_WhenWebhookSignatureNamesACredentialTheAuthorMayNotUse_IsRefused()
    {
        var (victim, _, _) = await _factory.CreateUserClientAsync("victim", "operator");
        var (erin, _, erinId) = await _factory.CreateUserClientAsync("erin", "operator");
        var secret = await CredentialApi.CreateAsync(victim, "hook secret", "api_key", new { key = $"hook-{Guid.NewGuid():N}" });
        var workflow = await CreateWorkflowAsync(victim, HookGraph());
        await ShareWorkflowAsync(victim, workflow, erinId, "editor");
        var signed = HookGraph();
        signed["nodes"]![0]!["config"]!["signature"] = new JsonObject { ["secretCredentialId"] = secret.ToString() };

        using var save = await SaveAsync(erin, workflow, signed);

        Assert.Equal(HttpStatusCode.BadRequest, save.StatusCode);
        var item = Assert.Single((await ProblemAsync(save))["problems"]!.AsArray());
        Assert.Equal(WorkflowErrorCodes.CredentialNotUsable, item!["code"]!.GetValue<string>());
        Assert.Equal("/nodes/0/config/signature/secretCredentialId", item["jsonPointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_WhenTheCredentialIsSharedWithTheAuthor_Saves()
    {
        var (victim, _, _) = await _factory.CreateUserClientAsync("victim", "operator");
        var (bob, _, bobId) = await _factory.CreateUserClientAsync("bob", "operator");
        var credential = await CredentialApi.CreateAsync(victim, "shared token", "bearer_token", new { token = $"shared-{Guid.NewGuid():N}" });
        (await victim.PostAsJsonAsync($"/api/credentials/{credential}/shares", new { userId = bobId })).EnsureSuccessStatusCode();
        var call = Node("call", "http.request", new() { ["method"] = "GET", ["url"] = "http://127.0.0.1:9/x", ["credentialId"] = credential.ToString() });

        await CreateWorkflowAsync(bob, HookGraph(call));
    }

    [Fact]
    public async Task Webhook_WhenLatestVersionIsAnEditors_RunActsAsThatAuthorNotTheOwner()
    {
        var (alice, _, _) = await _factory.CreateUserClientAsync("alice", "operator");
        var (erin, _, erinId) = await _factory.CreateUserClientAsync("erin", "operator");
        var workflow = await CreateWorkflowAsync(alice, HookGraph());
        await ShareWorkflowAsync(alice, workflow, erinId, "editor");
        (await SaveAsync(erin, workflow, HookGraph())).EnsureSuccessStatusCode();
        using var anonymous = _factory.CreateClient(apiKey: null);

        using var delivery = await anonymous.PostAsync($"/hooks/{workflow}/hook", new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"));
        var runId = (await delivery.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<Guid>();
        var run = await WaitForStatusAsync(_admin, runId, "completed", "failed");

        Assert.Equal(erinId.ToString(), run["startedBy"]!.GetValue<string>());
        Assert.Equal("version_author", run["principalSource"]!.GetValue<string>());
        Assert.Equal(2, run["workflowVersion"]!.GetValue<int>());
    }
}
