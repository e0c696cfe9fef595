namespace ControlTower.Core.Trust;

/// <summary>
/// Computes a scope's <see cref="ScopeMetrics"/> from its trust events: pure, so the same events, stage entry and
/// time give the same numbers (and the dashboard's time series is the same function over prefixes of the events).
/// </summary>
public static class ScopeMetricsCalculator
{
    /// <summary>Everything recorded about one proposal, gathered from its events.</summary>
    private sealed class ProposalFacts
    {
        public DateTimeOffset FirstAt { get; set; } = DateTimeOffset.MaxValue;

        /// <summary>When any event of this proposal was first seen: the stage it belongs to is the one it was proposed in.</summary>
        public DateTimeOffset FirstSeen { get; set; } = DateTimeOffset.MaxValue;
        public double? PredictedSuccess { get; set; }
        public bool? Anomalous { get; set; }
        public string? Decision { get; set; }
        public DateTimeOffset DecidedAt { get; set; }
        public string? Execution { get; set; }
        public string? Mode { get; set; }
        public string? Outcome { get; set; }
        public DateTimeOffset ResultAt { get; set; }
        public bool Overridden { get; set; }

        public string? FinalResult => Outcome ?? Execution;

        public bool Automatic => Execution is not null && Mode is not null && Mode != TrustModes.Person;
    }

    public static ScopeMetrics Compute(IEnumerable<TrustEventRecord> events, DateTimeOffset stageSince, DateTimeOffset now, MetricsWindow window)
    {
        var inWindow = events.Where(e => e.At >= now - window.MaxAge && e.At <= now)
            .OrderBy(e => e.At).ThenBy(e => e.ProposalId, StringComparer.Ordinal)
            .TakeLast(window.MaxEvents).ToList();
        var all = Gather(inWindow);

        // Reliability: a person's explicit decision, or, for what ran without waiting, whether a person let it stand (no override).
        var decided = all.Values.Where(p => p.Decision is TrustEventKinds.Approved or TrustEventKinds.Rejected or TrustEventKinds.Edited || p.Automatic).ToList();
        var finished = all.Values.Where(p => p.FinalResult is not null).ToList();
        var automatic = all.Values.Where(p => p.Automatic).ToList();
        var calibrated = finished.Where(p => p.PredictedSuccess is not null).ToList();
        var predicted = calibrated.Select(p => Math.Clamp(p.PredictedSuccess!.Value, 0, 1)).ToList();
        var happened = calibrated.Select(p => p.FinalResult == TrustEventKinds.Succeeded).ToList();
        var latencies = inWindow.Where(e => e.Kind == TrustEventKinds.Decision && e.LatencySeconds is >= 0 && e.Result != TrustEventKinds.Expired)
            .Select(e => e.LatencySeconds!.Value).ToList();
        var median = Median(latencies);

        return new ScopeMetrics(
            inWindow.Count,
            all.Values.Count(p => p.FirstAt != DateTimeOffset.MaxValue),
            RateEstimate.Of(decided.Count(p => p.Decision == TrustEventKinds.Approved || (p.Automatic && !p.Overridden)), decided.Count, window.Z),
            RateEstimate.Of(finished.Count(p => p.FinalResult == TrustEventKinds.Succeeded), finished.Count, window.Z),
            RateEstimate.Of(automatic.Count(p => p.Overridden), automatic.Count, window.Z),
            predicted.Count == 0 ? null : Learning.TrustMetrics.Brier(predicted, happened),
            predicted.Count == 0 ? null : Learning.TrustMetrics.Ece(predicted, happened, window.CalibrationBins),
            predicted.Count,
            median,
            automatic.Count,
            median * automatic.Count,
            Evidence(all, inWindow.Where(e => e.At >= stageSince), stageSince, window.Z));
    }

    /// <summary>
    /// The evidence at the current stage: proposals made since it began (decided or run), the failures in a row and the
    /// rollbacks since it began, and the override and anomaly rates of the proposals made at it.
    /// </summary>
    private static StageEvidence Evidence(Dictionary<string, ProposalFacts> all, IEnumerable<TrustEventRecord> eventsAtStage, DateTimeOffset stageSince, double z)
    {
        var proposedAtStage = all.Values.Where(p => p.FirstSeen >= stageSince).ToList();
        var sample = proposedAtStage.Count(p => p.Decision is TrustEventKinds.Approved or TrustEventKinds.Rejected or TrustEventKinds.Edited || p.Execution is not null);
        var streak = 0;
        foreach (var result in all.Values.Where(p => p.FinalResult is not null && p.ResultAt >= stageSince).OrderByDescending(p => p.ResultAt).Select(p => p.FinalResult))
        {
            if (result != TrustEventKinds.Failed)
            {
                break;
            }

            streak++;
        }

        var automatic = proposedAtStage.Where(p => p.Automatic).ToList();
        var scored = proposedAtStage.Where(p => p.Anomalous is not null).ToList();
        return new StageEvidence(
            sample,
            streak,
            eventsAtStage.Count(e => e.Kind == TrustEventKinds.Rollback),
            RateEstimate.Of(automatic.Count(p => p.Overridden), automatic.Count, z),
            RateEstimate.Of(scored.Count(p => p.Anomalous == true), scored.Count, z));
    }

    private static Dictionary<string, ProposalFacts> Gather(IEnumerable<TrustEventRecord> events)
    {
        var facts = new Dictionary<string, ProposalFacts>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!facts.TryGetValue(e.ProposalId, out var p))
            {
                facts[e.ProposalId] = p = new ProposalFacts { FirstSeen = e.At };
            }

            switch (e.Kind)
            {
                case TrustEventKinds.Proposal:
                    (p.FirstAt, p.PredictedSuccess, p.Anomalous) = (e.At, e.PredictedSuccess, e.Anomalous);
                    break;
                case TrustEventKinds.Decision:
                    (p.Decision, p.DecidedAt) = (e.Result, e.At);
                    break;
                case TrustEventKinds.Execution:
                    (p.Execution, p.Mode, p.ResultAt) = (e.Result, e.Mode, e.At);
                    break;
                case TrustEventKinds.Outcome:
                    (p.Outcome, p.ResultAt) = (e.Result, e.At);
                    break;
                case TrustEventKinds.Override:
                    p.Overridden = true;
                    break;
            }
        }

        return facts;
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}

/// <summary>The modes an action can run in: a person approved it, or the named stage let it run without waiting.</summary>
public static class TrustModes
{
    public const string Person = "person";
}
