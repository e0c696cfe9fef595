using System.Diagnostics;
using System.Diagnostics.Metrics;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Observability;

namespace ControlTower.Server.Runs;

/// <summary>
/// The engine's instruments: runs and node attempts by workflow, version and node type, tasks by kind, units per
/// group commit, the delay from due to claimed. Tags are bounded: workflow ids and versions, node types, error codes, never run ids.
/// </summary>
internal sealed class EngineMetrics
{
    public const string MeterName = "ControlTower.Engine";
    public const string RunDurationName = "controltower.run.duration";
    public const string RunsStartedName = "controltower.runs.started";
    public const string RunsCompletedName = "controltower.runs.completed";
    public const string RunsFailedName = "controltower.runs.failed";

    private readonly Histogram<double> _nodeDuration;
    private readonly Counter<long> _nodeResults;
    private readonly Counter<long> _tasks;
    private readonly Counter<long> _parking;
    private readonly Histogram<int> _groupCommits;
    private readonly Histogram<double> _runDuration;
    private readonly Counter<long> _runsStarted;
    private readonly Counter<long> _runsCompleted;
    private readonly Counter<long> _runsFailed;
    private readonly Histogram<double> _claimDelay;

    public EngineMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _nodeDuration = meter.CreateHistogram("controltower.node.duration", "ms", "How long node attempts take, by workflow, version and node type.", advice: HistogramBuckets.Milliseconds);
        _nodeResults = meter.CreateCounter<long>("controltower.node.results", description: "Node attempt results, by node type and result.");
        _tasks = meter.CreateCounter<long>("controltower.engine.tasks", description: "Durable tasks processed, by kind.");
        _groupCommits = meter.CreateHistogram<int>("controltower.engine.group_commit.units", description: "Units of work (run starts, transitions, stretches) committed per group transaction.");
        _parking = meter.CreateCounter<long>("controltower.node.switch_parking", description: "Node attempts parked or resumed by a node-type kill switch, by node type.");
        _runDuration = meter.CreateHistogram(RunDurationName, "ms", "From start to end of finished runs, by workflow, version and status.", advice: HistogramBuckets.Milliseconds);
        _runsStarted = meter.CreateCounter<long>(RunsStartedName, "{run}", "Runs started, by workflow and version.");
        _runsCompleted = meter.CreateCounter<long>(RunsCompletedName, "{run}", "Runs that completed, by workflow and version.");
        _runsFailed = meter.CreateCounter<long>(RunsFailedName, "{run}", "Runs that failed or were cancelled, by workflow, version and error code.");
        _claimDelay = meter.CreateHistogram("controltower.queue.claim_delay", "ms", "From a task falling due to a worker claiming it.", advice: HistogramBuckets.Milliseconds);
    }

    public void RecordNode(Guid workflowId, int version, string nodeType, NodeResult result, TimeSpan duration)
    {
        var type = new KeyValuePair<string, object?>("node_type", nodeType);
        _nodeDuration.Record(duration.TotalMilliseconds, new TagList { { "workflow.id", workflowId.ToString() }, { "workflow.version", version }, type });
        _nodeResults.Add(1, type, new KeyValuePair<string, object?>("result", result switch
        {
            NodeResult.Completed => "completed",
            NodeResult.Failed failed => failed.Code,
            NodeResult.Waiting => "waiting",
            _ => "child",
        }));
    }

    public void RecordRunStarted(Guid workflowId, int version) =>
        _runsStarted.Add(1, new TagList { { "workflow.id", workflowId.ToString() }, { "workflow.version", version } });

    /// <summary><paramref name="errorCode"/> is null for a completed run.</summary>
    public void RecordRunFinished(Guid workflowId, int version, string? errorCode, TimeSpan duration)
    {
        var tags = new TagList { { "workflow.id", workflowId.ToString() }, { "workflow.version", version } };
        if (errorCode is null)
        {
            _runsCompleted.Add(1, tags);
        }
        else
        {
            _runsFailed.Add(1, new TagList { { "workflow.id", workflowId.ToString() }, { "workflow.version", version }, { "error.code", errorCode } });
        }

        tags.Add("status", errorCode is null ? "completed" : "failed");
        _runDuration.Record(Math.Max(0, duration.TotalMilliseconds), tags);
    }

    public void RecordClaimDelay(TimeSpan delay) => _claimDelay.Record(Math.Max(0, delay.TotalMilliseconds));

    /// <summary><paramref name="action"/>: <c>parked</c> or <c>resumed</c>.</summary>
    public void RecordSwitchParking(string nodeType, string action) =>
        _parking.Add(1, new KeyValuePair<string, object?>("node_type", nodeType), new KeyValuePair<string, object?>("action", action));

    public void RecordGroupCommit(int units) => _groupCommits.Record(units);

    public void RecordTask(string kind) => _tasks.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
