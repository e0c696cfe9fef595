using ControlTower.Core.Trust;

namespace ControlTower.Core.Tests.Trust;

/// <summary>The stage policy as a table: each row a situation and the stage and rule it must give.</summary>
public sealed class StagePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly TrustPolicy Policy = TrustPolicy.Default;

    /// <summary>Metrics whose rates sit at <paramref name="rate"/> with <paramref name="n"/> trials, and the given evidence at the stage.</summary>
    internal static ScopeMetrics Metrics(double rate, int n, int sample = 100, int failureStreak = 0, int rollbacks = 0,
        int anomalies = 0, int overrides = 0, double? ece = 0.01, double alignment = 1.0)
    {
        var hits = (int)Math.Round(rate * n);
        var r = RateEstimate.Of(hits, n, 1.96);
        var a = RateEstimate.Of((int)Math.Round(alignment * n), n, 1.96);
        return new ScopeMetrics(n * 3, n, r, a, RateEstimate.Of(overrides, 50, 1.96), 0.05, ece, n, 60, 10, 600,
            new StageEvidence(sample, failureStreak, rollbacks, RateEstimate.Of(overrides, 50, 1.96), RateEstimate.Of(anomalies, 50, 1.96)));
    }

    private static StageDecision Run(ScopeMetrics metrics, TrustStage stage, TrustStage cap = TrustStage.FullAuto, bool kill = false, int streak = 0, StagePin? pin = null) =>
        StagePolicy.Evaluate(metrics, new StageState(stage, Now.AddDays(-1), streak, streak > 0 ? Now.AddHours(-1) : null, pin), new StageLimits(cap, kill), Policy, Now);

    public static TheoryData<string, ScopeMetrics, TrustStage, TrustStage, bool, int, TrustStage, string> Table() => new()
    {
        // name, metrics, stage, cap, kill switch, eligible streak so far, expected stage, expected rule
        { "kill switch forces observe", Metrics(1, 1000), TrustStage.FullAuto, TrustStage.FullAuto, true, 0, TrustStage.Observe, StageRules.KillSwitch },
        { "gate caps the stage", Metrics(1, 1000), TrustStage.FullAuto, TrustStage.Propose, false, 0, TrustStage.Propose, StageRules.GateCap },
        { "cap stops promotion", Metrics(1, 1000), TrustStage.Propose, TrustStage.Propose, false, 5, TrustStage.Propose, StageRules.Held },
        { "three failures in a row demote to propose", Metrics(0.99, 1000, failureStreak: 3), TrustStage.FullAuto, TrustStage.FullAuto, false, 0, TrustStage.Propose, StageRules.FailureStreak },
        { "two failures in a row do not", Metrics(0.99, 1000, failureStreak: 2), TrustStage.FullAuto, TrustStage.FullAuto, false, 0, TrustStage.FullAuto, StageRules.Held },
        { "a rollback demotes one stage", Metrics(0.99, 1000, rollbacks: 1), TrustStage.GuardedAuto, TrustStage.FullAuto, false, 0, TrustStage.Propose, StageRules.Rollback },
        { "an anomaly rate above its limit demotes", Metrics(0.99, 1000, anomalies: 20), TrustStage.ConditionalAuto, TrustStage.FullAuto, false, 0, TrustStage.GuardedAuto, StageRules.AnomalyRate },
        { "an override rate above its limit demotes", Metrics(0.99, 1000, overrides: 25), TrustStage.FullAuto, TrustStage.FullAuto, false, 0, TrustStage.ConditionalAuto, StageRules.OverrideRate },
        { "below hold threshold demotes one stage", Metrics(0.70, 1000), TrustStage.GuardedAuto, TrustStage.FullAuto, false, 0, TrustStage.Propose, StageRules.BelowHoldThreshold },
        { "inside the hysteresis band holds", Metrics(0.80, 1000), TrustStage.GuardedAuto, TrustStage.FullAuto, false, 0, TrustStage.GuardedAuto, StageRules.Held },
        { "too small a sample at the stage holds", Metrics(1, 1000, sample: 19), TrustStage.Observe, TrustStage.FullAuto, false, 2, TrustStage.Observe, StageRules.Held },
        { "eligible but not yet sustained", Metrics(1, 1000), TrustStage.Observe, TrustStage.FullAuto, false, 0, TrustStage.Observe, StageRules.Sustaining },
        { "eligible and sustained promotes one stage", Metrics(1, 1000), TrustStage.Observe, TrustStage.FullAuto, false, 2, TrustStage.Propose, StageRules.Promoted },
        { "a wide interval does not promote", Metrics(1, 10), TrustStage.Propose, TrustStage.FullAuto, false, 2, TrustStage.Propose, StageRules.Held },
        { "poor calibration blocks conditional_auto", Metrics(1, 1000, ece: 0.2), TrustStage.GuardedAuto, TrustStage.FullAuto, false, 2, TrustStage.GuardedAuto, StageRules.Held },
        { "good calibration allows conditional_auto", Metrics(1, 1000, ece: 0.02), TrustStage.GuardedAuto, TrustStage.FullAuto, false, 2, TrustStage.ConditionalAuto, StageRules.Promoted },
        { "failures at propose do not demote below propose", Metrics(0.9, 1000, failureStreak: 5), TrustStage.Propose, TrustStage.FullAuto, false, 0, TrustStage.Propose, StageRules.Held },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Evaluate_WhenSituation_GivesTheTablesStageAndRule(string name, ScopeMetrics metrics, TrustStage stage, TrustStage cap, bool kill, int streak, TrustStage expected, string rule)
    {
        var decision = Run(metrics, stage, cap, kill, streak);
        Assert.True((expected, rule) == (decision.Next.Stage, decision.Rule), $"{name}: got {decision.Next.Stage.Name()} by {decision.Rule} ({string.Join("; ", decision.Reasons)})");
    }

    [Fact]
    public void Evaluate_WhenPinned_KeepsThePinnedStageWhateverTheMetricsButNotAboveTheGate()
    {
        var pin = new StagePin(TrustStage.ConditionalAuto, "seasonal rush", "admin", Now.AddDays(-2));
        Assert.Equal(TrustStage.ConditionalAuto, Run(Metrics(0.1, 1000, failureStreak: 9), TrustStage.ConditionalAuto, pin: pin).Next.Stage);
        Assert.Equal(TrustStage.ConditionalAuto, Run(Metrics(0.1, 1000), TrustStage.Observe, pin: pin).Next.Stage);
        Assert.Equal(TrustStage.GuardedAuto, Run(Metrics(1, 1000), TrustStage.ConditionalAuto, cap: TrustStage.GuardedAuto, pin: pin).Next.Stage);
        Assert.Equal(TrustStage.Observe, Run(Metrics(1, 1000), TrustStage.ConditionalAuto, kill: true, pin: pin).Next.Stage);
    }

    [Fact]
    public void Evaluate_WhenSustainForIsSet_PromotesOnlyAfterTheDurationAndTheCount()
    {
        var policy = Policy with { SustainEvaluations = 1, SustainFor = TimeSpan.FromHours(2) };
        var state = new StageState(TrustStage.Observe, Now.AddDays(-1));
        var first = StagePolicy.Evaluate(Metrics(1, 1000), state, new StageLimits(TrustStage.FullAuto, false), policy, Now);
        Assert.Equal((TrustStage.Observe, StageRules.Sustaining, (DateTimeOffset?)Now), (first.Next.Stage, first.Rule, first.Next.EligibleSince));
        var early = StagePolicy.Evaluate(Metrics(1, 1000), first.Next, new StageLimits(TrustStage.FullAuto, false), policy, Now.AddHours(1));
        Assert.Equal(TrustStage.Observe, early.Next.Stage);
        var late = StagePolicy.Evaluate(Metrics(1, 1000), early.Next, new StageLimits(TrustStage.FullAuto, false), policy, Now.AddHours(2));
        Assert.Equal((TrustStage.Propose, Now.AddHours(2)), (late.Next.Stage, late.Next.Since));
    }

    [Fact]
    public void Evaluate_WhenEligibilityBreaks_StartsTheSustainCountAgain()
    {
        var eligible = Run(Metrics(1, 1000), TrustStage.Observe, streak: 1);
        Assert.Equal((StageRules.Sustaining, 2), (eligible.Rule, eligible.Next.EligibleStreak));
        var broken = StagePolicy.Evaluate(Metrics(1, 1000, sample: 3), eligible.Next, new StageLimits(TrustStage.FullAuto, false), Policy, Now);
        Assert.Equal((0, (DateTimeOffset?)null), (broken.Next.EligibleStreak, broken.Next.EligibleSince));
    }

    [Fact]
    public void Evaluate_WhenItDemotes_RecordsTheNumbersAndThresholds()
    {
        var decision = Run(Metrics(0.70, 1000), TrustStage.GuardedAuto);
        var failed = Assert.Single(decision.Checks, c => !c.Passed);
        Assert.Equal(("reliability_lower", ">=", 0.75), (failed.Name, failed.Comparison, Math.Round(failed.Threshold, 3)));
        Assert.InRange(failed.Value!.Value, 0.66, 0.70);
        Assert.Contains("hysteresis", decision.Reasons[0], StringComparison.Ordinal);
    }
}
