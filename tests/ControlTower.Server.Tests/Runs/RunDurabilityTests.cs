using System.Net.Http.Json;
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
    public async Task Attempts_WhenCheckpointModeStoresInputsByReference_ShowTheSameInputsAsStepModeCopies()
    {
        // Step mode runs every node from a task, whose record holds the whole activation; checkpoint mode runs them inline
        // and stores references to the run input and the records' outputs (Runs/README.md "Node inputs by reference").
        var step = await RunToEndAsync(BranchingGraph("step"), 10);
        var checkpoint = await RunToEndAsync(BranchingGraph(null), 10);

        Assert.Equal(await AttemptInputsAsync(step.Run), await AttemptInputsAsync(checkpoint.Run));
        var stored = await StoredInputsAsync(checkpoint.Run);
        Assert.All(stored, input => Assert.Contains("\"ref\":\"ct.node-input/1\"", input, StringComparison.Ordinal));
        Assert.All(stored, input => Assert.DoesNotContain("\"total\":", input, StringComparison.Ordinal));
        Assert.All(await StoredInputsAsync(step.Run), input => Assert.DoesNotContain("ct.node-input", input, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Attempts_WhenALoopRunsInlineInOneStretch_ShowEachIterationsInputAsStepMode()
    {
        // Each iteration is a new attempt with its own record, so an input refers to the iteration it saw.
        JsonObject graph(string? durability)
        {
            var back = Edge("check", "body", "true");
            back["loop"] = new JsonObject { ["maxIterations"] = 5 };
            return Graph(
                [
                    Node("start", "trigger.manual"),
                    Node("body", "transform", new() { ["expression"] = "{'i': has(nodes.body) ? nodes.body.output.i + 1 : input.n}" }),
                    Node("check", "condition", new() { ["expression"] = "nodes.body.output.i < 3" }),
                    Node("exit", "transform", new() { ["expression"] = "{'done': nodes.body.output.i}" }),
                ],
                [Edge("start", "body"), Edge("body", "check"), back, Edge("check", "exit", "false")],
                durability is null ? null : new JsonObject { ["durability"] = durability });
        }

        var step = await RunToEndAsync(graph("step"), 0);
        var checkpoint = await RunToEndAsync(graph(null), 0);

        var inputs = await AttemptInputsAsync(checkpoint.Run);
        Assert.Equal("completed", checkpoint.Run.Status());
        Assert.Equal(await AttemptInputsAsync(step.Run), inputs);
        Assert.Equal(4, inputs.Count(i => i.StartsWith("body:", StringComparison.Ordinal)));
        Assert.Contains(inputs, i => i.StartsWith("body:4:", StringComparison.Ordinal) && i.Contains("\"body\":{\"outcome\":\"success\",\"output\":{\"i\":2}}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Attempts_WhenAnInlineNodeFollowsACaughtFailureInALaterCommit_ShowTheUpstreamErrorAndOutputsAsStepMode()
    {
        // "after" runs inline in the commit of the failed call's result: "before" was recorded by an earlier commit (its output
        // is copied) and "call" failed (its error is written as it is).
        JsonObject graph(string? durability) => Graph(
            [
                Node("start", "trigger.manual"),
                Node("before", "transform", new() { ["expression"] = "{'n': input.n + 1, 'echo': input}" }),
                Node("call", "http.request", new() { ["method"] = "POST", ["url"] = "http://127.0.0.1:9/effect", ["body"] = "{'n': nodes.before.output.n}" },
                    new() { ["retry"] = new JsonObject { ["maxAttempts"] = 1 } }),
                Node("after", "transform", new() { ["expression"] = "{'n': nodes.before.output.n * 10}" }),
            ],
            [Edge("start", "before"), Edge("before", "call"), Edge("call", "after", "error")],
            durability is null ? null : new JsonObject { ["durability"] = durability });
        var step = await RunToEndAsync(graph("step"), 4);
        var checkpoint = await RunToEndAsync(graph(null), 4);

        var inputs = await AttemptInputsAsync(checkpoint.Run);
        Assert.Equal(await AttemptInputsAsync(step.Run), inputs);
        Assert.Contains("\"error\":{\"code\"", inputs.Single(i => i.StartsWith("after:", StringComparison.Ordinal)), StringComparison.Ordinal);
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

    [Fact]
    public async Task Run_WhenStoredWholeByAnEarlierVersion_LoadsResumesAndFinishesInTheSplitForm()
    {
        var graph = Graph(
            [
                Node("start", "trigger.manual"),
                Node("before", "transform", new() { ["expression"] = "{'n': input.n + 1}" }),
                Node("wait", "delay", new() { ["until"] = "timestamp(input.at)" }),
                Node("after", "transform", new() { ["expression"] = "{'n': nodes.before.output.n * 10, 'input': input.n}" }),
            ],
            [Edge("start", "before"), Edge("before", "wait"), Edge("wait", "after")]);
        var workflow = await CreateWorkflowAsync(_client, graph);
        var runId = await StartAsync(_client, workflow, new JsonObject { ["n"] = 4, ["at"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O") });
        await WaitForStatusAsync(_client, runId, "waiting");
        var contexts = _factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            // What a version before node-state rows stored: the whole state in the run row, no rows.
            var state = await RunStateRows.LoadAsync(db, runId, CancellationToken.None);
            Assert.Equal(Core.Scheduling.NodeStatus.Waiting, state.Node("wait").Status);
            var whole = Core.Scheduling.RunStateJson.Serialize(state);
            await db.Set<RunNodeStateEntity>().Where(n => n.RunId == runId).ExecuteDeleteAsync();
            await db.Set<RunEntity>().Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.State, whole));
            Assert.Equal(whole, Core.Scheduling.RunStateJson.Serialize(await RunStateRows.LoadAsync(db, runId, CancellationToken.None)));
            await db.Set<RunTaskEntity>().Where(t => t.RunId == runId && t.Kind == RunTaskKinds.Timer).ExecuteUpdateAsync(s => s.SetProperty(t => t.DueAt, DateTime.UtcNow));
        }

        var run = await WaitForStatusAsync(_client, runId, "completed", "failed");

        Assert.Equal("completed", run.Status());
        Assert.Equal("""{"after":{"n":50,"input":4}}""", run["output"]!.ToJsonString());
        await using var check = await contexts.CreateDbContextAsync();
        var stored = await check.Set<RunEntity>().AsNoTracking().SingleAsync(r => r.Id == runId);
        Assert.True(Core.Scheduling.RunStateJson.IsHeader(stored.State));
        Assert.Equal(4, await check.Set<RunNodeStateEntity>().Where(n => n.RunId == runId).Select(n => n.NodeId).Distinct().CountAsync());
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

    /// <summary>Each attempt's input as the API shows it, as text, with the run's own id taken out.</summary>
    private async Task<List<string>> AttemptInputsAsync(JsonObject run)
    {
        var runId = run["id"]!.GetValue<string>();
        var attempts = await _client.GetFromJsonAsync<List<JsonObject>>($"/api/runs/{runId}/nodes");
        return [.. attempts!.Select(a => $"{a["nodeId"]}:{a["attempt"]}:{a["input"]!.ToJsonString().Replace(runId, "<run>", StringComparison.Ordinal)}").Order(StringComparer.Ordinal)];
    }

    private async Task<List<string>> StoredInputsAsync(JsonObject run)
    {
        var runId = Guid.Parse(run["id"]!.GetValue<string>());
        var contexts = _factory.Services.GetRequiredService<IDbContextFactory<ControlTowerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<NodeExecutionEntity>().AsNoTracking().Where(e => e.RunId == runId).Select(e => e.Input!).ToListAsync();
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
