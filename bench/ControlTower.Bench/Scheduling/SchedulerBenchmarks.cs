using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;

namespace ControlTower.Bench.Scheduling;

/// <summary>
/// The pure scheduler alone (no storage, no executors): whole runs of a 10-node transform chain
/// and a 10-wide fan-out/fan-in, one <see cref="RunScheduler.Apply"/> per event. Reported time
/// and allocations are per Apply (OperationsPerInvoke = events per run), i.e. per step.
/// </summary>
[MemoryDiagnoser]
public class SchedulerBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly JsonElement Output = JsonDocument.Parse("""{"value":42,"label":"ok"}""").RootElement.Clone();

    private RunPlan _chain = null!;
    private RunEvent[] _chainEvents = null!;
    private RunPlan _fan = null!;
    private RunEvent[] _fanEvents = null!;
    private RunState _finishedFan = null!;

    [GlobalSetup]
    public void Setup()
    {
        var chain = new List<GraphNode> { Trigger() };
        var chainEdges = new List<GraphEdge>();
        for (var i = 1; i <= 10; i++)
        {
            chain.Add(Transform($"t{i}"));
            chainEdges.Add(new GraphEdge(i == 1 ? "start" : $"t{i - 1}", $"t{i}"));
        }

        _chain = RunPlan.Compile(new WorkflowGraph(WorkflowGraph.CurrentVersion, chain, chainEdges, []), NodeTypeCatalog.BuiltIn);
        _chainEvents = [new RunStarted(Output, Now), .. Enumerable.Range(1, 10).Select(i => Completed($"t{i}"))];

        var fan = new List<GraphNode> { Trigger(), Transform("split"), new("join", "merge", new() { ["mode"] = "all" }) };
        var fanEdges = new List<GraphEdge> { new("start", "split") };
        for (var i = 1; i <= 10; i++)
        {
            fan.Add(Transform($"b{i}"));
            fanEdges.Add(new GraphEdge("split", $"b{i}"));
            fanEdges.Add(new GraphEdge($"b{i}", "join"));
        }

        _fan = RunPlan.Compile(new WorkflowGraph(WorkflowGraph.CurrentVersion, fan, fanEdges, []), NodeTypeCatalog.BuiltIn);
        _fanEvents = [new RunStarted(Output, Now), Completed("split"), .. Enumerable.Range(1, 10).Select(i => Completed($"b{i}")), Completed("join")];
        _finishedFan = Run(_fan, _fanEvents);
        if (_finishedFan.Status != RunStatus.Completed || Run(_chain, _chainEvents).Status != RunStatus.Completed)
        {
            throw new InvalidOperationException("The benchmark workflows must complete.");
        }
    }

    [Benchmark(OperationsPerInvoke = 11)]
    public RunState Chain10() => Run(_chain, _chainEvents);

    [Benchmark(OperationsPerInvoke = 13)]
    public RunState FanOutFanIn10() => Run(_fan, _fanEvents);

    /// <summary>The checkpoint the Server writes after each step, for the finished fan-out run (14 nodes).</summary>
    [Benchmark]
    public byte[] CheckpointFanOut() => RunStateJson.SerializeToUtf8(_finishedFan);

    private static RunState Run(RunPlan plan, RunEvent[] events)
    {
        var state = RunState.Create(plan, "bench-run", 1);
        foreach (var evt in events)
        {
            state = RunScheduler.Apply(plan, state, evt).State;
        }

        return state;
    }

    private static GraphNode Trigger() => new("start", "trigger.manual", []);

    private static GraphNode Transform(string id) => new(id, "transform", new() { ["expression"] = "input" });

    private static NodeCompleted Completed(string id) => new(id, 1, "success", Output, Now);
}
