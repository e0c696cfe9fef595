using System.Diagnostics.Metrics;

namespace ControlTower.Server.Releases;

/// <summary>The release instruments: new runs by the arm that took them, and release changes by kind (workflow ids, never run ids).</summary>
internal sealed class ReleaseMetrics
{
    private readonly Counter<long> _starts;
    private readonly Counter<long> _changes;

    public ReleaseMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create("ControlTower.Releases");
        _starts = meter.CreateCounter<long>("controltower.release.starts", description: "New runs by the release arm that took them (latest, stable, candidate), by workflow.");
        _changes = meter.CreateCounter<long>("controltower.release.changes", description: "Release changes by kind (released, advanced, promoted, rolled_back, auto_rolled_back), by workflow.");
    }

    public void RecordStart(Guid workflowId, string arm) =>
        _starts.Add(1, new KeyValuePair<string, object?>("workflow_id", workflowId.ToString()), new KeyValuePair<string, object?>("arm", arm));

    public void RecordChange(Guid workflowId, string kind) =>
        _changes.Add(1, new KeyValuePair<string, object?>("workflow_id", workflowId.ToString()), new KeyValuePair<string, object?>("kind", kind));
}
