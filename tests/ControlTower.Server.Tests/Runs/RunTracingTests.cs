using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ControlTower.Server.Tests.Infrastructure;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

public sealed class RunTracingTests
{
    [Fact]
    public async Task Run_WhenNodesExecute_EachAttemptIsASpanInTheRunsTrace()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "ControlTower",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var factory = new ControlTowerFactory();
        using var client = factory.CreateAdminClient();
        var graph = Graph(
            [Node("start", "trigger.manual"), Node("a", "transform", new() { ["expression"] = "1" }), Node("b", "transform", new() { ["expression"] = "2" })],
            [Edge("start", "a"), Edge("a", "b")]);

        var runId = await StartAsync(client, await CreateWorkflowAsync(client, graph), new JsonObject());
        var run = await WaitForStatusAsync(client, runId, "completed");
        var traceId = run["traceId"]!.GetValue<string>();
        var ours = spans.Where(s => s.TraceId.ToString() == traceId).ToList();

        Assert.Equal(["a", "b"], ours.Select(s => (string)s.GetTagItem("controltower.node.id")!).Order());
        Assert.All(ours, s => Assert.Equal(runId.ToString(), s.GetTagItem("controltower.run.id")));
    }
}
