using System.Text.Json.Nodes;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;

namespace ControlTower.Core.Tests.Trust.Learning;

public sealed class RetrainTriggerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetrainPolicy Policy = new();

    private static RetrainState Trained(double hoursAgo, int newEvents, params FeatureDriftValue[] drift) =>
        new(Now.AddHours(-hoursAgo), 1000, 1000 + newEvents, drift, 500);

    [Fact]
    public void Evaluate_WhenNoModelYet_WaitsForTheMinimumThenTrains()
    {
        var early = RetrainTrigger.Evaluate(new RetrainState(null, 0, 150, [], 0), Policy, Now);
        var ready = RetrainTrigger.Evaluate(new RetrainState(null, 0, 200, [], 0), Policy, Now);

        Assert.False(early.Retrain);
        Assert.Equal(50, early.EventsUntilCountTrigger);
        Assert.True(ready.Retrain);
    }

    [Fact]
    public void Evaluate_WhenFreshAndQuiet_DoesNotRetrainAndSaysWhenItWill()
    {
        var decision = RetrainTrigger.Evaluate(Trained(1, 10, new FeatureDriftValue("quantity", 0.05)), Policy, Now);

        Assert.False(decision.Retrain);
        Assert.Empty(decision.Reasons);
        Assert.Equal(Now.AddHours(-1) + Policy.MaxAge, decision.NextAgeTrigger);
        Assert.Equal(490, decision.EventsUntilCountTrigger);
    }

    [Fact]
    public void Evaluate_WhenEnoughNewEventsOrOld_Retrains()
    {
        Assert.Contains("500 new events", RetrainTrigger.Evaluate(Trained(1, 500), Policy, Now).Reasons.Single(), StringComparison.Ordinal);
        Assert.Contains("old", RetrainTrigger.Evaluate(Trained(24 * 8, 3), Policy, Now).Reasons.Single(), StringComparison.Ordinal);
        Assert.False(RetrainTrigger.Evaluate(Trained(24 * 8, 0), Policy, Now).Retrain);
    }

    [Fact]
    public void Evaluate_WhenAFeatureDrifts_RetrainsNamingIt()
    {
        var decision = RetrainTrigger.Evaluate(Trained(1, 10, new FeatureDriftValue("quantity", 0.4), new FeatureDriftValue("drug", 0.01)), Policy, Now);
        var tooFew = RetrainTrigger.Evaluate(Trained(1, 10, new FeatureDriftValue("quantity", 0.4)) with { DriftSample = 20 }, Policy, Now);

        Assert.True(decision.Retrain);
        Assert.Contains("drift in quantity", decision.Reasons.Single(), StringComparison.Ordinal);
        Assert.False(tooFew.Retrain);
    }

    [Fact]
    public void DriftBaseline_WhenTheStreamDrifts_MeasuresPsiAboveTheThresholdOnTheDriftedFeature()
    {
        var stable = SyntheticTrustStream.Generate(SyntheticShape.Stationary, 3000, 5, Now);
        var drifting = SyntheticTrustStream.Generate(SyntheticShape.Drifting with { Drift = 3 }, 3000, 5, Now);
        var training = stable.Take(1000).Select(e => e.Example).ToList();
        var config = TrustFeatureConfig.Learn(training);
        var baseline = DriftBaseline.Learn(config, [.. training.Select(e => e.Proposal)]);

        var calm = baseline.Measure(config, [.. stable.Skip(2000).Select(e => e.Example.Proposal)]);
        var shifted = baseline.Measure(config, [.. drifting.Skip(2000).Select(e => e.Example.Proposal)]);
        var decision = RetrainTrigger.Evaluate(new RetrainState(Now, 1000, 1010, shifted, 1000), Policy, Now);

        Assert.True(calm.Single(d => d.Feature == "quantity").Psi < 0.1);
        Assert.True(shifted.Single(d => d.Feature == "quantity").Psi > Policy.PsiThreshold);
        Assert.True(shifted.Single(d => d.Feature == "noiseScore").Psi < 0.1, "a feature that does not drift stays calm");
        Assert.True(decision.Retrain);
    }
}
