using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>Several processes on one PostgreSQL or MySQL database share the work (leased claims) and see each other's events.</summary>
public sealed class ScaleOutTests
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task Runs_WhenStartedOnAnApiOnlyInstance_AreExecutedByAWorkerInstanceOnTheSameDatabase(string provider)
    {
        await using var postgres = provider == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        await using var mysql = provider == "mysql" ? await MySqlDatabase.CreateAsync() : null;
        using var api = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_WORKER"] = "false" }, postgres, mysql);
        using var apiClient = api.CreateAdminClient();
        var graph = Graph(
            [Node("start", "trigger.manual"), Node("a", "transform", new() { ["expression"] = "input.n + 1" }), Node("b", "transform", new() { ["expression"] = "nodes.a.output * 10" })],
            [Edge("start", "a"), Edge("a", "b")]);
        var workflow = await CreateWorkflowAsync(apiClient, graph);
        var runs = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            runs.Add(await StartAsync(apiClient, workflow, new JsonObject { ["n"] = i }));
        }

        Assert.Equal("running", (await GetRunAsync(apiClient, runs[0])).Status());

        using var worker = new ControlTowerFactory(postgres: postgres, mysql: mysql);
        using var workerClient = worker.CreateAdminClient();
        await workerClient.GetAsync("/health/ready");
        for (var i = 0; i < runs.Count; i++)
        {
            var run = await WaitForStatusAsync(apiClient, runs[i], "completed");
            Assert.Equal((i + 1) * 10, run["output"]!["b"]!.GetValue<int>());
        }
    }
}
