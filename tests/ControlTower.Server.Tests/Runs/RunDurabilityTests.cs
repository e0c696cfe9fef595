using System.Text.Json.Nodes;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using ControlTower.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlTower.Server.Tests.Runs.RunApi;

namespace ControlTower.Server.Tests.Runs;

/// <summary>
/// The durability modes (Runs/README.md "Durability contract"): coalescing side-effect-free nodes into one
/// checkpoint changes how often the engine commits, never what a run records.
/// </summary>
public sealed class RunDurabilityTests : IClassFixture<RunDurabilityTests.App>
{
    private readonly ControlTowerFactory _factory;
    private readonly HttpClient _client;

    public RunDurabilityTests(App app)
    {
        _factory = app.Factory;
        _client = app.Factory.CreateAdminClient();
    }

    public sealed class App : IDisposable
    {
        internal ControlTowerFactory Factory { get; } = new(new Dictionary<string, string?> { ["ENGINE_POLL_MILLISECONDS"] = "50" });

        public void Dispose() => Factory.Dispose();
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    public async Task Run_WhenCheckpointModeCoalescesNodes_RecordsTheSameEventsResultsAndOutputAsStepMode(int quantity)
    {
        var step = await RunToEndAsync(BranchingGraph("step"), quantity);
        var checkpoint = await RunToEndAsync(BranchingGraph(null), quantity);

        Assert.Equal(Shape(step.Events), Shape(checkpoint.Events));
        Assert.Equal(Enumerable.Range(1, checkpoint.Events.Count).Select(i => (long)i), checkpoint.Events.Select(e => e["seq"]!.GetValue<long>()));
        Assert.Equal(step.Run["output"]!.ToJsonString(), checkpoint.Run["output"]!.ToJsonString());
        Assert.Equal(step.Executions, checkpoint.Executions);
        Assert.Equal(quantity * 7 > 50 ? "discount" : "plain", Assert.Single(checkpoint.Executions, e => e.NodeId is "discount" or "plain").NodeId);
    }

    [Fact]
    public async Task Run_WhenSideEffectingNodeFollowsTransforms_RecordsItsIntentKeyAndStillRunsTheTransformsAfterIt()
    {
        // The http.request is denied (loopback is not allowed here): a side-effecting node's failure is caught by its error
        // edge, and the transforms around it still run: a boundary splits the run without changing it.
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("before", "transform", new() { ["expression"] = "{'n': input.n + 1}" }),
                Node("call", "http.request", new() { ["method"] = "POST", ["url"] = "http://127.0.0.1:9/effect", ["body"] = "{'n': nodes.before.output.n}" },
                    new() { ["retry"] = new JsonObject { ["maxAttempts"] = 1 } }),
                Node("after", "transform", new() { ["expression"] = "{'n': nodes.before.output.n * 10}" }),
            ],
            [Edge("start", "before"), Edge("before", "call"), Edge("call", "after", "error")]);

        var result = await RunToEndAsync(graph, 4);

        Assert.Equal("completed", result.Run.Status());
        Assert.Equal([("before", 1, "succeeded"), ("call", 1, "failed"), ("after", 1, "succeeded")], result.Executions.Select(e => (e.NodeId, e.Attempt, e.Status)));
        Assert.Equal($"{result.Run["id"]}:call:1", result.Executions.Single(e => e.NodeId == "call").Key);
    }

    private static JsonObject BranchingGraph(string? durability) => Graph(
        [
            Node("start", "trigger.manual"),
            Node("price", "transform", new() { ["expression"] = "{'total': input.n * 7}" }),
            Node("large", "condition", new() { ["expression"] = "nodes.price.output.total > 50" }),
            Node("discount", "transform", new() { ["expression"] = "{'total': nodes.price.output.total - 5}" }),
            Node("plain", "transform", new() { ["expression"] = "{'total': nodes.price.output.total}" }),
            Node("join", "merge", new() { ["mode"] = "any" }),
            Node("reply", "respond", new() { ["body"] = "{'price': nodes.price.output.total, 'large': nodes.large.output.result}" }),
        ],
        [Edge("start", "price"), Edge("price", "large"), Edge("large", "discount", "true"), Edge("large", "plain", "false"),
            Edge("discount", "join"), Edge("plain", "join"), Edge("join", "reply")],
        durability is null ? null : new JsonObject { ["durability"] = durability });

    private async Task<(JsonObject Run, List<JsonObject> Events, List<Execution> Executions)> RunToEndAsync(JsonObject graph, int n)
    {
        var workflow = await CreateWorkflowAsync(_client, graph);
        var runId = await StartAsync(_client, workflow, new JsonObject { ["n"] = n });
        var run = await WaitForStatusAsync(_client, runId, "completed", "failed");
        var contexts = _factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var executions = await db.Set<NodeExecutionEntity>().AsNoTracking().Where(e => e.RunId == runId)
            .OrderBy(e => e.StartedAt).ThenBy(e => e.NodeId)
            .Select(e => new Execution(e.NodeId, e.Attempt, e.Status, e.Output, e.IdempotencyKey))
            .ToListAsync();
        return (run, await EventsAsync(_client, runId), [.. executions.OrderBy(e => Order(graph, e.NodeId))]);
    }

    private static int Order(JsonObject graph, string nodeId) =>
        graph["nodes"]!.AsArray().Select((node, i) => (node, i)).Single(p => p.node!["id"]!.GetValue<string>() == nodeId).i;

    /// <summary>What an event says, without what differs between two runs (ids, times).</summary>
    private static List<string> Shape(List<JsonObject> events) =>
        [.. events.Select(e => string.Join('|', e["type"]!.GetValue<string>(), e["data"]!["kind"], e["data"]!["node_id"], e["data"]!["status"], e["data"]!["outcome"], e["data"]!["attempt"]))];

    private sealed record Execution(string NodeId, int Attempt, string Status, string? Output, string Key)
    {
        public bool Equals(Execution? other) => other is not null && (NodeId, Attempt, Status, Output) == (other.NodeId, other.Attempt, other.Status, other.Output);

        public override int GetHashCode() => HashCode.Combine(NodeId, Attempt, Status, Output);
    }
}
