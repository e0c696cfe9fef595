using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.NodeSwitches.NodeTypeSwitchApi;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.NodeSwitches;

/// <summary>Two server processes on one PostgreSQL or MySQL database agree on a node type's switch: one switches, the other parks and resumes.</summary>
public sealed class NodeTypeSwitchPostgresTests
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task Switch_WhenFlippedOnOneInstance_TheOtherParksAndResumesTheNodeOnce(string provider)
    {
        await using var database = await ServerDatabase.CreateAsync(provider);
        var settings = new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" };
        using var first = database.Factory(settings);
        using var firstClient = first.CreateAdminClient();
        using var second = database.Factory(settings);
        using var secondClient = second.CreateAdminClient();
        var workflow = await CreateWorkflowAsync(firstClient, NodeTypeSwitchTests.TwoBranches());
        var warmUp = await StartAsync(secondClient, workflow, new JsonObject { ["n"] = 1 });
        Assert.Equal("completed", (await WaitForStatusAsync(secondClient, warmUp, "completed", "failed")).Status());

        await SetAsync(firstClient, "transform", enabled: false, "stop the mapping on every instance");
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // the invalidation reaches the other instance by NOTIFY
        var runs = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add(await StartAsync(i % 2 == 0 ? secondClient : firstClient, workflow, new JsonObject { ["n"] = 21 }));
        }

        foreach (var runId in runs)
        {
            var parked = await WaitForNodeAsync(secondClient, runId, "t", "waiting");
            Assert.Equal("node_type_disabled", parked.NodeOf("t")["waitReason"]!.GetValue<string>());
        }

        await SetAsync(secondClient, "transform", enabled: true);
        foreach (var runId in runs)
        {
            var done = await WaitForStatusAsync(firstClient, runId, "completed", "failed");
            Assert.Equal("completed", done.Status());
            Assert.Equal(42, done.NodeOf("t")["output"]!.GetValue<int>());
            var attempt = Assert.Single(await AttemptsAsync(firstClient, runId), a => a["nodeId"]!.GetValue<string>() == "t");
            Assert.Equal(1, attempt["attempt"]!.GetValue<int>());
        }
    }
}
