using ControlTower.Core.Demo;
using ControlTower.Core.Trust;

namespace ControlTower.Core.Tests.Demo;

public sealed class SyntheticApproverTests
{
    private static readonly CaseFacts Routine = new("Atorvastatin 20 mg", 30, 30, Controlled: false, InteractionSeverity: "none", Renewed: false);
    private static readonly CaseFacts Interacting = Routine with { Drug = "Ibuprofen 400 mg", InteractionSeverity = "major" };

    [Fact]
    public void Decide_WhenAskedTwiceWithTheSameInputs_DecidesTheSame()
    {
        var first = SyntheticApprover.Decide(ApproverProfile.Default, 42, "17:dispense:1", Interacting, ApprovalStep.Verification);
        var second = SyntheticApprover.Decide(ApproverProfile.Default, 42, "17:dispense:1", Interacting, ApprovalStep.Verification);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Decide_OverManyCases_RefusesMajorInteractionsMostlyAndRoutineOnesRarely()
    {
        var profile = ApproverProfile.Default;
        double RejectShare(CaseFacts facts, ApprovalStep step) =>
            Enumerable.Range(0, 2000).Count(i => !SyntheticApprover.Decide(profile, 1, $"{i}:n:1", facts, step).Approve) / 2000.0;

        Assert.InRange(RejectShare(Interacting, ApprovalStep.Verification), 0.5, 0.9);
        Assert.InRange(RejectShare(Routine, ApprovalStep.Verification), 0.0, 0.05);
        Assert.InRange(RejectShare(Routine, ApprovalStep.Renewal), 0.05, 0.2);
    }

    [Fact]
    public void Decide_WhenStricter_RejectsMore()
    {
        var facts = Routine with { Controlled = true, Quantity = 90 };
        int Rejections(double strictness) => Enumerable.Range(0, 3000)
            .Count(i => !SyntheticApprover.Decide(new ApproverProfile(strictness, Noise: 0), 5, $"{i}", facts, ApprovalStep.Verification).Approve);

        Assert.True(Rejections(1.0) > Rejections(0.0) * 1.5, $"{Rejections(1.0)} vs {Rejections(0.0)}");
    }

    [Fact]
    public void Decide_GivesAPositiveLatencyLongerForRenewals()
    {
        var verify = Enumerable.Range(0, 500).Average(i => SyntheticApprover.Decide(ApproverProfile.Default, 3, $"{i}", Routine, ApprovalStep.Verification).LatencySeconds);
        var renew = Enumerable.Range(0, 500).Average(i => SyntheticApprover.Decide(ApproverProfile.Default, 3, $"{i}", Routine, ApprovalStep.Renewal).LatencySeconds);

        Assert.InRange(verify, 30, 80);
        Assert.True(renew > verify * 20);
    }

    [Fact]
    public void Problems_WhenOutOfRange_NamesEachSetting()
    {
        Assert.Equal(3, new ApproverProfile(1.5, 0.9, 0).Problems().Count);
        Assert.Empty(ApproverProfile.Default.Problems());
    }
}

public sealed class SimulationFiguresTests
{
    private static SimulatedCaseRecord Case(int i, int human, int governed, TrustStage stage, bool injected = false) => new(i, human, governed, governed == 0, injected, stage);

    [Fact]
    public void Compute_ComparesTheFirstAndLastWindowsAndFindsWhenStagesWereReached()
    {
        var cases = Enumerable.Range(1, 10).Select(i => i <= 5 ? Case(i, 2, 1, i < 3 ? TrustStage.Observe : TrustStage.Propose) : Case(i, 1, 0, TrustStage.GuardedAuto)).ToList();

        var figures = SimulationFigures.Compute(cases, TrustStage.Observe, window: 5);

        Assert.Equal(10, figures.First.HumanDecisions);
        Assert.Equal(5, figures.Last.HumanDecisions);
        Assert.Equal(1.0, figures.GovernedDecisionReduction);
        Assert.Equal(0.5, figures.HumanDecisionReduction);
        Assert.Equal(3, figures.StageFirstReachedAtCase["propose"]);
        Assert.Equal(6, figures.StageFirstReachedAtCase["guarded_auto"]);
        Assert.Equal(TrustStage.GuardedAuto, figures.FinalStage);
        Assert.Null(figures.Demotion);
    }

    [Fact]
    public void Compute_WhenABurstDemotes_CountsTheBurstCasesUntilItDid()
    {
        List<SimulatedCaseRecord> cases =
        [
            Case(1, 1, 0, TrustStage.GuardedAuto), Case(2, 1, 0, TrustStage.GuardedAuto, injected: true),
            Case(3, 1, 0, TrustStage.GuardedAuto, injected: true), Case(4, 1, 0, TrustStage.Propose, injected: true), Case(5, 2, 1, TrustStage.Propose),
        ];

        var demotion = SimulationFigures.Compute(cases, TrustStage.GuardedAuto).Demotion!;

        Assert.Equal(2, demotion.FirstFailureCase);
        Assert.Equal(TrustStage.GuardedAuto, demotion.StageBefore);
        Assert.Equal(3, demotion.CasesUntilDemoted);
        Assert.Equal(TrustStage.Propose, demotion.StageAfter);
    }
}
