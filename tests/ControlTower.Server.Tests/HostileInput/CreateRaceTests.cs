using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Credentials;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.HostileInput;

/// <summary>
/// Many identical creates at once: exactly one wins (201) and every other gets 409 with the resource's own
/// conflict code, never a 500, whichever of the duplicate check or the database's unique key catches it.
/// </summary>
public abstract class CreateRaceTests : IAsyncLifetime
{
    private const int Parallel = 12;

    private ControlTowerFactory? _factory;

    protected ControlTowerFactory Factory => _factory!;

    public async Task InitializeAsync() => _factory = await CreateFactoryAsync(new Dictionary<string, string?>
    {
        ["CREDENTIAL_KEYS"] = CredentialApi.NewKey(),
        ["ENGINE_WORKER"] = "false",
        ["SCHEDULE_TRIGGERS"] = "false",
        ["RATE_LIMIT_REQUESTS_PER_MINUTE"] = "100000",
    });

    public virtual Task DisposeAsync()
    {
        _factory?.Dispose();
        return Task.CompletedTask;
    }

    private protected abstract Task<ControlTowerFactory> CreateFactoryAsync(Dictionary<string, string?> settings);

    [Fact]
    public async Task CreateUser_WhenRacedWithTheSameName_OneIs201AndTheRest409()
    {
        var responses = await RaceAsync(client => client.PostAsJsonAsync("/api/users", new { name = "racer", role = "viewer" }));

        await AssertOneWinnerAsync(responses, "identity.user_exists");
    }

    [Fact]
    public async Task CreateRuleSet_WhenRacedWithTheSameId_OneIs201AndTheRest409()
    {
        var definition = JsonNode.Parse("""{ "rules": [ { "id": "r", "condition": "amount > 1", "action": { "type": "deny" } } ] }""");

        var responses = await RaceAsync(client => client.PostAsJsonAsync("/api/rule-sets", new { id = "raced-rules", definition }));

        await AssertOneWinnerAsync(responses, "rules.exists");
    }

    [Fact]
    public async Task CreateCredential_WhenRacedWithTheSameName_OneIs201AndTheRest409()
    {
        var responses = await RaceAsync(client => CredentialApi.PostAsync(client, "raced secret", "api_key", new { key = "k-0123456789" }));

        await AssertOneWinnerAsync(responses, "credential.name_taken");
    }

    [Fact]
    public async Task RegisterMcpServer_WhenRacedWithTheSameId_OneIs201AndTheRest409()
    {
        var definition = new { id = "raced-server", name = "raced", transport = "streamable_http", url = "http://127.0.0.1:9/mcp" };

        var responses = await RaceAsync(client => client.PostAsJsonAsync("/api/mcp/servers", definition));

        await AssertOneWinnerAsync(responses, "mcp.server_exists");
    }

    [Fact]
    public async Task SaveVersion_WhenRacedWithoutBaseVersion_EachIs201Or409WithDistinctVersions()
    {
        using var admin = Factory.CreateAdminClient();
        var graph = Graph([Node("start", "trigger.manual")], []);
        var workflow = await CreateWorkflowAsync(admin, graph, "raced versions");

        var responses = await RaceAsync(client => client.PostAsJsonAsync($"/api/workflows/{workflow}/versions", new { graph }));

        var created = await AssertOnlyAsync(responses, HttpStatusCode.Created, "workflow.version_conflict");
        var versions = new List<int>();
        foreach (var response in created)
        {
            versions.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetProperty("version").GetInt32());
        }

        Assert.Equal(versions.Count, versions.Distinct().Count());
        var latest = (await admin.GetFromJsonAsync<JsonElement>($"/api/workflows/{workflow}")).GetProperty("workflow").GetProperty("latestVersion").GetInt32();
        Assert.Equal(1 + created.Count, latest);
    }

    [Fact]
    public async Task StartRun_WhenRacedWithTheSameIdempotencyKey_OneRunIsCreatedAndTheRestReturnIt()
    {
        using var admin = Factory.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(admin, Graph([Node("start", "trigger.manual")], []), "raced starts");

        var responses = await RaceAsync(client =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{workflow}/runs") { Content = JsonContent.Create(new { input = new { } }) };
            request.Headers.Add("Idempotency-Key", "raced-start");
            return client.SendAsync(request);
        });

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.OK }));
        var ids = new HashSet<Guid>();
        foreach (var response in responses)
        {
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }

        Assert.Single(ids);
    }

    [Fact]
    public async Task UpdateRuleSet_WhenRaced_EachIs200Or409()
    {
        using var admin = Factory.CreateAdminClient();
        var definition = JsonNode.Parse("""{ "rules": [ { "id": "r", "condition": "amount > 1", "action": { "type": "deny" } } ] }""");
        (await admin.PostAsJsonAsync("/api/rule-sets", new { id = "raced-update", definition })).EnsureSuccessStatusCode();

        var responses = await RaceAsync(client => client.PutAsJsonAsync("/api/rule-sets/raced-update", new { definition }));

        Assert.NotEmpty(await AssertOnlyAsync(responses, HttpStatusCode.OK, "rules.concurrent_update"));
    }

    [Fact]
    public async Task ShareCredential_WhenRacedWithTheSameGrantee_OneIs201AndTheRest409()
    {
        using var admin = Factory.CreateAdminClient();
        var (_, _, grantee) = await Factory.CreateUserClientAsync("grantee", "operator");
        var credential = await CredentialApi.CreateAsync(admin, "shared secret", "api_key", new { key = "k-0123456789" });

        var responses = await RaceAsync(client => client.PostAsJsonAsync($"/api/credentials/{credential}/shares", new { userId = grantee }));

        await AssertOneWinnerAsync(responses, "credential.share_exists");
        var shares = await admin.GetFromJsonAsync<JsonElement>($"/api/credentials/{credential}");
        Assert.Equal(1, shares.GetProperty("shares").GetArrayLength());
    }

    private async Task<HttpResponseMessage[]> RaceAsync(Func<HttpClient, Task<HttpResponseMessage>> send)
    {
        var clients = Enumerable.Range(0, Parallel).Select(_ => Factory.CreateAdminClient()).ToArray();
        using var start = new ManualResetEventSlim();
        var tasks = clients.Select(client => Task.Run(async () =>
        {
            start.Wait();
            return await send(client);
        })).ToArray();
        start.Set();
        var responses = await Task.WhenAll(tasks);
        Array.ForEach(clients, c => c.Dispose());
        return responses;
    }

    private static async Task AssertOneWinnerAsync(HttpResponseMessage[] responses, string conflictCode) =>
        Assert.Single(await AssertOnlyAsync(responses, HttpStatusCode.Created, conflictCode));

    /// <summary>Every response is <paramref name="success"/> or a 409 with the code; returns the successes.</summary>
    private static async Task<List<HttpResponseMessage>> AssertOnlyAsync(HttpResponseMessage[] responses, HttpStatusCode success, string conflictCode)
    {
        var wins = new List<HttpResponseMessage>();
        foreach (var response in responses)
        {
            if (response.StatusCode == success)
            {
                wins.Add(response);
                continue;
            }

            await Problems.AssertAsync(response, HttpStatusCode.Conflict, conflictCode);
        }

        Assert.NotEmpty(wins);
        return wins;
    }
}

public sealed class SqliteCreateRaceTests : CreateRaceTests
{
    private protected override Task<ControlTowerFactory> CreateFactoryAsync(Dictionary<string, string?> settings) =>
        Task.FromResult(new ControlTowerFactory(settings));
}

public sealed class PostgresCreateRaceTests : CreateRaceTests
{
    private PostgresDatabase? _postgres;

    private protected override async Task<ControlTowerFactory> CreateFactoryAsync(Dictionary<string, string?> settings)
    {
        _postgres = await PostgresDatabase.CreateAsync();
        return new ControlTowerFactory(settings, _postgres);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}

public sealed class MySqlCreateRaceTests : CreateRaceTests
{
    private MySqlDatabase? _mysql;

    private protected override async Task<ControlTowerFactory> CreateFactoryAsync(Dictionary<string, string?> settings)
    {
        _mysql = await MySqlDatabase.CreateAsync();
        return new ControlTowerFactory(settings, mysql: _mysql);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_mysql is not null)
        {
            await _mysql.DisposeAsync();
        }
    }
}
