using ControlTower.Core.Trust;

namespace ControlTower.Core.Tests.Trust;

/// <summary>
/// The stage behaviour the issue sets as targets, on seeded stationary streams run through the real metrics and policy:
/// after a scope converges it changes stage at most once per 1,000 proposals (each is 2–3 trust events, so this is
/// stricter than per 1,000 events), and from any automatic stage it demotes within 3 consecutive failures.
/// </summary>
public sealed class StageStabilityTests
{
    private const int Proposals = 3000;
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly MetricsWindow Window = new(2000, TimeSpan.FromDays(30));

    public static TheoryData<double, double, TrustStage, ulong> Scopes() => new()
    {
        // approval rate, success rate, the stage it must settle at, seed
        { 0.70, 0.85, TrustStage.Propose, 1 },
        { 0.93, 0.94, TrustStage.GuardedAuto, 2 },
        { 0.96, 0.97, TrustStage.ConditionalAuto, 3 },
        { 0.99, 0.995, TrustStage.FullAuto, 4 },
    };

    [Theory]
    [MemberData(nameof(Scopes))]
    public void Run_WhenTheStreamIsStationary_ConvergesAndThenChangesStageAtMostOncePer1000(double approval, double success, TrustStage settled, ulong seed)
    {
        var run = StageStability.Run(new StationaryScope("scope", approval, success, TimeSpan.FromMinutes(5)), Proposals, seed, TrustPolicy.Default, Window, Start);

        Assert.Equal(settled, run.SettledStage);
        Assert.InRange(run.ConvergedAt, 0, Proposals / 2);
        Assert.True(run.ChangesPer1000 <= 1.0, $"{run.ChangesAfterConvergence} changes after proposal {run.ConvergedAt}: {string.Join(", ", run.Changes)}");
    }

    [Theory]
    [InlineData(TrustStage.GuardedAuto)]
    [InlineData(TrustStage.ConditionalAuto)]
    [InlineData(TrustStage.FullAuto)]
    public void FailuresToDemote_FromAnAutomaticStage_TakesAtMostThreeConsecutiveFailures(TrustStage from)
    {
        var run = StageStability.FailuresToDemote(new StationaryScope("excellent", 0.99, 0.995, TimeSpan.FromMinutes(5)), from, Proposals, 10, 7, TrustPolicy.Default, Window, Start);

        Assert.NotNull(run.FailuresToDemote);
        Assert.InRange(run.FailuresToDemote!.Value, 1, TrustPolicy.Default.FailureStreakLimit);
        Assert.True(run.To < from);
    }

    [Fact]
    public void Run_WhenRepeated_GivesTheSameChanges()
    {
        var scope = new StationaryScope("good", 0.93, 0.94, TimeSpan.FromMinutes(5));

        var first = StageStability.Run(scope, 600, 9, TrustPolicy.Default, Window, Start);
        var second = StageStability.Run(scope, 600, 9, TrustPolicy.Default, Window, Start);

        Assert.Equal(first.Changes, second.Changes);
        Assert.NotEmpty(first.Changes);
    }
}
