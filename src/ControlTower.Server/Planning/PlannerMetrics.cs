using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ControlTower.Server.Planning;

/// <summary>
/// Instruments of the meter "ControlTower.Planning" (exported with the other <c>ControlTower*</c> meters): drafts by planner
/// and outcome (<c>graph</c>, <c>no_graph</c>) and their duration. Never the request's words.
/// </summary>
internal sealed class PlannerMetrics
{
    public const string MeterName = "ControlTower.Planning";

    private readonly Counter<long> _drafts;
    private readonly Histogram<double> _duration;

    public PlannerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _drafts = meter.CreateCounter<long>("controltower.planner.drafts", "{draft}", "Drafts by planner (offline, llm) and outcome (graph, no_graph).");
        _duration = meter.CreateHistogram<double>("controltower.planner.draft.duration", "ms", "Time to a draft, validation included, by planner and outcome.");
    }

    public void Drafted(string planner, bool hasGraph, TimeSpan duration)
    {
        var tags = new TagList { { "planner", planner }, { "outcome", hasGraph ? "graph" : "no_graph" } };
        _drafts.Add(1, tags);
        _duration.Record(duration.TotalMilliseconds, tags);
    }
}
