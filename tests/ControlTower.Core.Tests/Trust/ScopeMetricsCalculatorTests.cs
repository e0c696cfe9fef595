using ControlTower.Core.Trust;

namespace ControlTower.Core.Tests.Trust;

public sealed class ScopeMetricsCalculatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly MetricsWindow Window = new(1000, TimeSpan.FromDays(30));

    /// <summary>A person-approved proposal that ran, with the given result and a 0.8 success prediction.</summary>
    private static IEnumerable<TrustEventRecord> Approved(string id, int minute, string result, double latency = 120, string mode = TrustModes.Person)
    {
        var at = T0.AddMinutes(minute);
        yield return new TrustEventRecord(TrustEventKinds.Proposal, id, at, PredictedApproval: 0.9, PredictedSuccess: 0.8, Anomalous: false);
        if (mode == TrustModes.Person)
        {
            yield return new TrustEventRecord(TrustEventKinds.Decision, id, at.AddSeconds(latency), TrustEventKinds.Approved, latency);
        }

        yield return new TrustEventRecord(TrustEventKinds.Execution, id, at.AddSeconds(latency + 1), result, Mode: mode);
    }

    [Fact]
    public void Compute_WhenApprovalsRejectionsAndOutcomes_GivesRatesBoundsAndCalibration()
    {
        var events = new List<TrustEventRecord>();
        for (var i = 0; i < 8; i++)
        {
            events.AddRange(Approved($"p{i}", i, i < 6 ? TrustEventKinds.Succeeded : TrustEventKinds.Failed, latency: 60 + i * 10));
        }

        events.Add(new TrustEventRecord(TrustEventKinds.Proposal, "r1", T0.AddMinutes(20), PredictedSuccess: 0.5, Anomalous: true));
        events.Add(new TrustEventRecord(TrustEventKinds.Decision, "r1", T0.AddMinutes(21), TrustEventKinds.Rejected, 60));
        events.Add(new TrustEventRecord(TrustEventKinds.Outcome, "p0", T0.AddHours(5), TrustEventKinds.Failed));

        var m = ScopeMetricsCalculator.Compute(events, T0.AddDays(-1), T0.AddDays(1), Window);

        Assert.Equal((8, 9), (m.Reliability.Hits, m.Reliability.Trials));
        Assert.Equal((5, 8), (m.Alignment.Hits, m.Alignment.Trials));
        Assert.True(m.Reliability.Lower < 8.0 / 9 && m.Reliability.Upper > 8.0 / 9);
        Assert.Equal(0.56, Math.Round(m.Reliability.Lower!.Value, 2));
        Assert.Equal(8, m.CalibrationSample);
        Assert.Equal((5 * 0.04 + 3 * 0.64) / 8, m.Brier!.Value, 9);
        Assert.Equal(Math.Abs(0.8 - 5.0 / 8), m.Ece!.Value, 9);
        Assert.Equal(90, m.MedianDecisionSeconds);
        Assert.Equal((0, 0.0), (m.AutoExecutions, m.SecondsSaved));
        Assert.Equal((9, 3), (m.AtStage.Sample, m.AtStage.FailureStreak)); // p0's late failed outcome is the newest result
        Assert.Equal((1, 9), (m.AtStage.Anomalies.Hits, m.AtStage.Anomalies.Trials));
    }

    [Fact]
    public void Compute_WhenActionsRanWithoutWaitingAndOneWasOverridden_CountsValueAndOverrides()
    {
        var events = new List<TrustEventRecord>();
        events.AddRange(Approved("h1", 0, TrustEventKinds.Succeeded, latency: 300));
        events.AddRange(Approved("a1", 1, TrustEventKinds.Succeeded, mode: "guarded_auto"));
        events.AddRange(Approved("a2", 2, TrustEventKinds.Succeeded, mode: "guarded_auto"));
        events.Add(new TrustEventRecord(TrustEventKinds.Rollback, "a2", T0.AddMinutes(10)));
        events.Add(new TrustEventRecord(TrustEventKinds.Override, "a2", T0.AddMinutes(10)));

        var m = ScopeMetricsCalculator.Compute(events, T0.AddMinutes(1), T0.AddDays(1), Window);

        Assert.Equal((2, 600.0), (m.AutoExecutions, m.SecondsSaved));
        Assert.Equal((1, 2), (m.OverrideRate.Hits, m.OverrideRate.Trials));
        Assert.Equal((2, 1), (m.AtStage.Sample, m.AtStage.Rollbacks)); // h1 was proposed before the stage began, so it is not its evidence
    }

    [Fact]
    public void Compute_WhenEventsAreOlderOrMoreThanTheWindow_LeavesThemOut()
    {
        var events = Enumerable.Range(0, 30).SelectMany(i => Approved($"p{i}", i * 60 * 24, i < 20 ? TrustEventKinds.Failed : TrustEventKinds.Succeeded)).ToList();
        var byAge = ScopeMetricsCalculator.Compute(events, T0, T0.AddDays(30), new MetricsWindow(10_000, TimeSpan.FromDays(10)));
        Assert.Equal((10, 10), (byAge.Alignment.Hits, byAge.Alignment.Trials));
        var byCount = ScopeMetricsCalculator.Compute(events, T0, T0.AddDays(30), new MetricsWindow(15, TimeSpan.FromDays(365)));
        Assert.Equal(15, byCount.Events);
        Assert.Equal(5, byCount.Alignment.Trials);
    }

    [Fact]
    public void Wilson_WhenNoTrials_HasNoBounds()
    {
        Assert.Equal(new RateEstimate(0, 0, null, null, null), RateEstimate.Of(0, 0, 1.96));
        var all = RateEstimate.Of(20, 20, 1.96);
        Assert.Equal((1.0, 1.0), (all.Rate!.Value, all.Upper!.Value));
        Assert.Equal(0.839, Math.Round(all.Lower!.Value, 3));
    }
}
