using System.Diagnostics;
using System.Diagnostics.Metrics;
using ControlTower.Server.Platform.Observability;
using ControlTower.Server.Runs;

namespace ControlTower.Server.Operations;

/// <summary>
/// Gauges of the shared queue (due, running, parked), this process's worker saturation, approvals waiting and trust
/// stages per scope, read from <see cref="OperationsSnapshot"/>'s last sample.
/// </summary>
internal sealed class OperationsMetrics
{
    public const string MeterName = "ControlTower.Operations";

    public OperationsMetrics(IMeterFactory meterFactory, OperationsSnapshot snapshot, WorkerLoad load)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("controltower.queue.due_tasks", () => snapshot.Latest.DueTasks, "{task}", "Engine tasks due and not claimed (all processes).");
        meter.CreateObservableGauge("controltower.queue.running_attempts", () => snapshot.Latest.RunningAttempts, "{task}", "Engine tasks held under a live lease (all processes).");
        meter.CreateObservableGauge("controltower.queue.parked", () => snapshot.Latest.Parked, "{task}", "Node attempts parked by a node-type kill switch.");
        meter.CreateObservableGauge("controltower.worker.busy_slots", () => load.Busy, "{slot}", "Worker slots running a task in this process.");
        meter.CreateObservableGauge("controltower.worker.slots", () => load.Slots, "{slot}", "Worker slots of this process.");
        meter.CreateObservableGauge("controltower.worker.saturation", () => load.Saturation, "1", "Busy worker slots over slots in this process.");
        meter.CreateObservableGauge("controltower.approvals.waiting", () => snapshot.Latest.Approvals.Select(a =>
            new Measurement<int>(a.Count, new TagList { { "workflow.id", a.WorkflowId.ToString() }, { "node_type", a.NodeType } })), "{approval}",
                "Approvals pending a decision, by workflow and node type.");
        meter.CreateObservableGauge("controltower.trust.stage", () => snapshot.Latest.TrustStages.Select(s =>
            new Measurement<int>((int)s.Stage, new TagList { { "trust.scope", s.ScopeKey } })), "{stage}",
                "Trust stage per scope: 0 observe, 1 propose, 2 guarded_auto, 3 conditional_auto, 4 full_auto.");
    }
}

/// <summary>
/// The time approvals take to decide. Apart from <see cref="OperationsMetrics"/> because the database interceptor
/// records it, and the interceptor must not depend on anything that needs a database context.
/// </summary>
internal sealed class ApprovalMetrics(IMeterFactory meterFactory)
{
    private readonly Histogram<double> _decisionTime = meterFactory.Create(OperationsMetrics.MeterName).CreateHistogram(
        "controltower.approval.decision_time", "s", "From an approval's request to its decision, by workflow, node type and outcome.", advice: HistogramBuckets.Seconds);

    public void RecordDecision(Guid workflowId, string nodeType, string outcome, TimeSpan waited) =>
        _decisionTime.Record(Math.Max(0, waited.TotalSeconds), new TagList { { "workflow.id", workflowId.ToString() }, { "node_type", nodeType }, { "outcome", outcome } });
}
