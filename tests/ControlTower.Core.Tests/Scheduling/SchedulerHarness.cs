using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;

namespace ControlTower.Core.Tests.Scheduling;

/// <summary>Builds small graphs in tests.</summary>
internal sealed class GraphBuilder
{
    private readonly List<GraphNode> _nodes = [];
    private readonly List<GraphEdge> _edges = [];
    private readonly JsonObject _config = [];

    public GraphBuilder Node(string id, string type, string? config = null, RetryPolicy? retry = null)
    {
        _nodes.Add(new GraphNode(id, type, config is null ? [] : JsonNode.Parse(config)!.AsObject()) { Retry = retry });
        return this;
    }

    public GraphBuilder Trigger(string id = "start") => Node(id, "trigger.manual");

    public GraphBuilder Transform(params string[] ids)
    {
        foreach (var id in ids)
        {
            Node(id, "transform", """{ "expression": "input" }""");
        }

        return this;
    }

    public GraphBuilder Edge(string source, string target, string handle = "success", int? loop = null)
    {
        _edges.Add(new GraphEdge(source, target, handle) { Loop = loop is { } n ? new LoopBound(n) : null });
        return this;
    }

    public GraphBuilder Config(string key, int value)
    {
        _config[key] = value;
        return this;
    }

    public WorkflowGraph Build() => new(WorkflowGraph.CurrentVersion, [.. _nodes], [.. _edges], _config);

    public RunPlan Plan() => RunPlan.Compile(Build(), NodeTypeCatalog.BuiltIn);
}

/// <summary>Drives one run through the scheduler, recording every command.</summary>
internal sealed class RunHarness(RunPlan plan, string runId = "run1", long seed = 7)
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public RunPlan Plan { get; } = plan;

    public RunState State { get; private set; } = RunState.Create(plan, runId, seed);

    public List<RunCommand> Commands { get; } = [];

    public DateTimeOffset Now { get; set; } = T0;

    public SchedulerResult Apply(RunEvent evt)
    {
        var result = RunScheduler.Apply(Plan, State, evt);
        State = result.State;
        Commands.AddRange(result.Commands);
        return result;
    }

    public SchedulerResult Start(string input = """{"x":1}""", string? trigger = null) =>
        Apply(new RunStarted(Json(input), Now, trigger));

    public SchedulerResult Complete(string nodeId, string outcome = "success", string? output = null) =>
        Apply(new NodeCompleted(nodeId, State.Node(nodeId).Attempt, outcome, output is null ? Json($$"""{"from":"{{nodeId}}"}""") : Json(output), Now));

    public SchedulerResult Fail(string nodeId, bool retryable = false, string code = "test.boom") =>
        Apply(new NodeFailed(nodeId, State.Node(nodeId).Attempt, code, $"{nodeId} broke", retryable, Now));

    public NodeStatus Status(string nodeId) => State.Node(nodeId).Status;

    public IEnumerable<ExecuteNode> Executed => Commands.OfType<ExecuteNode>();

    public IEnumerable<string> ExecutedIds => Executed.Select(e => e.NodeId);

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
