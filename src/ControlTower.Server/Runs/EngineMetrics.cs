using System.Diagnostics.Metrics;
using ControlTower.Server.Nodes;

namespace ControlTower.Server.Runs;

/// <summary>The engine's instruments: node latency and results by type, tasks by kind, units per group commit.</summary>
internal sealed class EngineMetrics
{
    private readonly Histogram<double> _nodeDuration;
    private readonly Counter<long> _nodeResults;
    private readonly Counter<long> _tasks;
    private readonly Counter<long> _parking;
    private readonly Histogram<int> _groupCommits;

    public EngineMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create("ControlTower.Engine");
        _nodeDuration = meter.CreateHistogram<double>("controltower.node.duration", "ms", "How long node attempts take, by node type.");
        _nodeResults = meter.CreateCounter<long>("controltower.node.results", description: "Node attempt results, by node type and result.");
        _tasks = meter.CreateCounter<long>("controltower.engine.tasks", description: "Durable tasks processed, by kind.");
        _groupCommits = meter.CreateHistogram<int>("controltower.engine.group_commit.units", description: "Units of work (run starts, transitions, stretches) committed per group transaction.");
        _parking = meter.CreateCounter<long>("controltower.node.switch_parking", description: "Node attempts parked or resumed by a node-type kill switch, by node type.");
    }

    public void RecordNode(string nodeType, NodeResult result, TimeSpan duration)
    {
        var type = new KeyValuePair<string, object?>("node_type", nodeType);
        _nodeDuration.Record(duration.TotalMilliseconds, type);
        _nodeResults.Add(1, type, new KeyValuePair<string, object?>("result", result switch
        {
            NodeResult.Completed => "completed",
            NodeResult.Failed failed => failed.Code,
            NodeResult.Waiting => "waiting",
            _ => "child",
        }));
    }

    /// <summary><paramref name="action"/>: <c>parked</c> or <c>resumed</c>.</summary>
    public void RecordSwitchParking(string nodeType, string action) =>
        _parking.Add(1, new KeyValuePair<string, object?>("node_type", nodeType), new KeyValuePair<string, object?>("action", action));

    public void RecordGroupCommit(int units) => _groupCommits.Record(units);

    public void RecordTask(string kind) => _tasks.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
