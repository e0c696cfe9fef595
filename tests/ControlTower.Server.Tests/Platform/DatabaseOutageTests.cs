using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Tests.Infrastructure;
using Npgsql;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Platform;

/// <summary>
/// The server reaches its PostgreSQL through a loopback proxy that is then shut: requests that need the database
/// get a retryable 503 with a stable code, never a 500.
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task StartRun_WhenTheDatabaseIsUnreachable_Answers503DatabaseUnavailableWithRetryAfter()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var direct = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var proxy = TcpFaultProxy.Start(direct.Host!, direct.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(direct.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = proxy.Port,
            Timeout = 2,
            CommandTimeout = 5,
        };
        using var factory = new ControlTowerFactory(new Dictionary<string, string?> { ["DATABASE_URL"] = throughProxy.ConnectionString });
        var client = factory.CreateAdminClient();
        var workflowId = await CreateWorkflowAsync(client, Graph(
            [Node("start", "trigger.manual"), Node("t", "transform", new() { ["expression"] = "input" })], [Edge("start", "t")]));

        proxy.DropAll();
        await proxy.DisposeAsync();
        using var response = await client.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new JsonObject { ["input"] = new JsonObject() });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(ErrorCodes.DatabaseUnavailable, problem!["code"]!.GetValue<string>());
    }
}
