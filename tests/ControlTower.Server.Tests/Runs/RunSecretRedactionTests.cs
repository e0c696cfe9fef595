using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

public sealed class RunSecretRedactionTests
{
    private const string Secret = "tok-refill-very-secret-8841";

    [Fact]
    public async Task Run_WhenANodeProducesALoadedSecret_RecordsOnlyTheMask()
    {
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateAdminClient();
        (await client.PostAsJsonAsync("/api/credentials", new { name = "pharmacy api", credentialType = "bearer_token", data = new { token = Secret } }))
            .EnsureSuccessStatusCode();
        var graph = Graph(
            [Node("start", "trigger.manual"), Node("leak", "transform", new() { ["expression"] = "'Bearer ' + input.token" })],
            [Edge("start", "leak")]);
        var workflow = await CreateWorkflowAsync(client, graph);

        var runId = await StartAsync(client, workflow, new JsonObject { ["token"] = Secret });
        var run = await WaitForStatusAsync(client, runId, "completed");
        var everything = string.Join("\n",
            run.ToJsonString(),
            await client.GetStringAsync($"/api/runs/{runId}/events"),
            await client.GetStringAsync($"/api/runs/{runId}/nodes"),
            await client.GetStringAsync("/api/audit/export"));

        Assert.Equal("Bearer ***", run["output"]!["leak"]!.GetValue<string>());
        Assert.DoesNotContain(Secret, everything, StringComparison.Ordinal);
    }
}
