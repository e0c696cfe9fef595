using ControlTower.Core.Trust;

namespace ControlTower.Core.Tests.Trust;

public sealed class TrustModeResolverTests
{
    private static readonly ModeThresholds Thresholds = new(0.9, 0.95);

    private static TrustPredictions Predictions(double approval, double success, bool anomalous) => new(
        new TrustPrediction(approval, "a1", false, []),
        new TrustPrediction(success, "s1", false, []),
        new AnomalyPrediction(anomalous ? 0.9 : 0.2, anomalous, "i1", false, []));

    public static TheoryData<TrustStage, TrustStage, bool, bool, double, double, bool, bool, string, bool> Table() => new()
    {
        // stage, cap, rule requires approval, reversible, approval, success, anomalous → runs without waiting, mode, predictions shown
        { TrustStage.Observe, TrustStage.FullAuto, false, true, 0.99, 0.99, false, false, "person", false },
        { TrustStage.Propose, TrustStage.FullAuto, false, true, 0.99, 0.99, false, false, "person", true },
        { TrustStage.GuardedAuto, TrustStage.FullAuto, false, true, 0.10, 0.10, false, true, "guarded_auto", true },
        { TrustStage.GuardedAuto, TrustStage.FullAuto, false, false, 0.99, 0.99, false, false, "person", true },
        { TrustStage.GuardedAuto, TrustStage.FullAuto, false, true, 0.99, 0.99, true, false, "person", true },
        { TrustStage.ConditionalAuto, TrustStage.FullAuto, false, false, 0.95, 0.97, false, true, "conditional_auto", true },
        { TrustStage.ConditionalAuto, TrustStage.FullAuto, false, false, 0.85, 0.97, false, false, "person", true },
        { TrustStage.ConditionalAuto, TrustStage.FullAuto, false, false, 0.95, 0.90, false, false, "person", true },
        { TrustStage.FullAuto, TrustStage.FullAuto, false, false, 0.01, 0.01, false, true, "full_auto", true },
        { TrustStage.FullAuto, TrustStage.FullAuto, false, false, 0.99, 0.99, true, false, "person", true },
        { TrustStage.FullAuto, TrustStage.Propose, false, true, 0.99, 0.99, false, false, "person", true },
        { TrustStage.FullAuto, TrustStage.FullAuto, true, true, 0.99, 0.99, false, false, "person", true },
        { TrustStage.Observe, TrustStage.FullAuto, true, true, 0.99, 0.99, false, false, "person", false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Resolve_WhenStageAndPredictions_GivesTheTablesMode(
        TrustStage stage, TrustStage cap, bool rule, bool reversible, double approval, double success, bool anomalous, bool runs, string mode, bool shown)
    {
        var decision = TrustModeResolver.Resolve(stage, cap, rule, reversible, Predictions(approval, success, anomalous), Thresholds);
        Assert.Equal((runs, mode, shown), (decision.RunsWithoutWaiting, decision.Mode, decision.ShowPredictions));
        Assert.False(string.IsNullOrWhiteSpace(decision.Why));
    }
}
