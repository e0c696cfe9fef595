using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>Several processes on one PostgreSQL share the work (leased claims) and see each other's events.</summary>
public sealed class ScaleOutTests
{
    [Fact]
    public async Task Runs_WhenStartedOnAnApiOnlyInstance_AreExecutedByAWorkerInstanceOnTheSameDatabase()
    {
        await using var postgres = await PostgresDatabase.CreateAsync();
        using var api = new ControlTowerFactory(new Dictionary<string, string?> { ["ENGINE_WORKER"] = "false" }, postgres);
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

        using var worker = new ControlTowerFactory(postgres: postgres);
        using var workerClient = worker.CreateAdminClient();
        await workerClient.GetAsync("/health/ready");
        for (var i = 0; i < runs.Count; i++)
        {
            var run = await WaitForStatusAsync(apiClient, runs[i], "completed");
            Assert.Equal((i + 1) * 10, run["output"]!["b"]!.GetValue<int>());
        }
    }
}
