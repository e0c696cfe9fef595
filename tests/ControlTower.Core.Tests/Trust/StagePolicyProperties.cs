using ControlTower.Core.Trust;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Trust;

/// <summary>Properties of the stage policy over random metrics, stages and limits.</summary>
public sealed class StagePolicyProperties
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly TrustPolicy Policy = TrustPolicy.Default;

    private sealed record Case(TrustStage Stage, int Trials, int Hits, int AlignmentHits, int Sample,
        int FailureStreak, int Rollbacks, int Anomalies, int Overrides, double Ece, int Streak, TrustStage Cap)
    {
        public ScopeMetrics Metrics(int? failureStreak = null, int? sample = null) =>
            new(Trials * 3, Trials, RateEstimate.Of(Hits, Trials, 1.96), RateEstimate.Of(AlignmentHits, Trials, 1.96), RateEstimate.Of(Overrides, 40, 1.96), 0.1, Ece, Trials,
                30, 5, 150, new StageEvidence(sample ?? Sample, failureStreak ?? FailureStreak, Rollbacks, RateEstimate.Of(Overrides, 40, 1.96), RateEstimate.Of(Anomalies, 40, 1.96)));

        public StageState State => new(Stage, Now.AddDays(-1), Streak, Streak > 0 ? Now.AddHours(-1) : null);
    }

    private static Gen<TrustStage> Stages() => Gen.Elements(TrustStages.Ladder.ToArray());

    private static Gen<Case> Cases() =>
        from stage in Stages()
        from trials in Gen.Choose(0, 2000)
        from hitShare in Gen.Choose(0, 100)
        from alignShare in Gen.Choose(0, 100)
        from sample in Gen.Choose(0, 60)
        from failures in Gen.Choose(0, 6)
        from rollbacks in Gen.Frequency((5, Gen.Constant(0)), (1, Gen.Choose(1, 3)))
        from anomalies in Gen.Choose(0, 12)
        from overrides in Gen.Choose(0, 12)
        from ece in Gen.Choose(0, 30)
        from streak in Gen.Choose(0, 5)
        from cap in Stages()
        select new Case(stage, trials, trials * hitShare / 100, trials * Math.Max(hitShare, alignShare) / 100, sample, failures, rollbacks, anomalies, overrides, ece / 100.0, streak, cap);

    private static StageDecision Evaluate(Case c, ScopeMetrics metrics, StageState? state = null) =>
        StagePolicy.Evaluate(metrics, state ?? c.State, new StageLimits(c.Cap, false), Policy, Now);

    [Fact]
    public void Evaluate_WhenTheSampleAtTheStageIsBelowTheMinimum_NeverPromotes()
    {
        Prop.ForAll(Arb.From(Cases()), Arb.From(Gen.Choose(0, Policy.MinSampleAtStage - 1)), (c, sample) =>
            Evaluate(c, c.Metrics(sample: sample)).Next.Stage <= c.Stage).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Evaluate_WhenFailuresInARowGrow_NeverGivesAHigherStage()
    {
        Prop.ForAll(Arb.From(Cases()), Arb.From(Gen.Choose(0, 10)), (c, more) =>
            Evaluate(c, c.Metrics(failureStreak: c.FailureStreak + more)).Next.Stage <= Evaluate(c, c.Metrics()).Next.Stage).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Evaluate_WhenMetricsStayPut_ChangesStageAtMostOnceInARow()
    {
        // The same evidence evaluated again and again: one move at most, never back and forth.
        Prop.ForAll(Arb.From(Cases().Where(c => c.Rollbacks == 0)), c =>
        {
            var metrics = c.Metrics();
            var state = c.State;
            var stages = new List<TrustStage> { state.Stage };
            for (var i = 0; i < 8; i++)
            {
                var decision = Evaluate(c, metrics, state);
                state = decision.Next;
                stages.Add(state.Stage);
            }

            var moves = stages.Zip(stages.Skip(1)).Where(p => p.First != p.Second).Select(p => Math.Sign(p.Second - p.First)).ToList();
            return moves.Distinct().Count() <= 1;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Evaluate_WhenBoundsAreInsideTheHysteresisBand_NeverChangesTheStage()
    {
        // Reliability and alignment lower bounds between the stage's hold bar and the next stage's entry bar: no move.
        var inBand =
            from stage in Gen.Elements(TrustStage.Propose, TrustStage.GuardedAuto, TrustStage.ConditionalAuto)
            from trials in Gen.Choose(200, 5000)
            from position in Gen.Choose(1, 99)
            select (stage, trials, position);
        Prop.ForAll(Arb.From(inBand), x =>
        {
            var low = Math.Max(Policy.For(x.stage).Reliability, Policy.For(x.stage).Alignment) - Policy.HysteresisBand;
            var high = Math.Min(Policy.For(x.stage + 1).Reliability, Policy.For(x.stage + 1).Alignment);
            var target = low + (high - low) * x.position / 100.0;
            var hits = Enumerable.Range(0, x.trials + 1).First(h => RateEstimate.Of(h, x.trials, 1.96).Lower >= target);
            var rate = RateEstimate.Of(hits, x.trials, 1.96);
            if (rate.Lower >= high)
            {
                return true;
            }

            var metrics = new ScopeMetrics(x.trials, x.trials, rate, rate, RateEstimate.Of(0, 40, 1.96), 0.05, 0.0, x.trials, 30, 5, 150,
                new StageEvidence(500, 0, 0, RateEstimate.Of(0, 40, 1.96), RateEstimate.Of(0, 40, 1.96)));
            var state = new StageState(x.stage, Now.AddDays(-1));
            for (var i = 0; i < 10; i++)
            {
                var decision = StagePolicy.Evaluate(metrics, state, new StageLimits(TrustStage.FullAuto, false), Policy, Now.AddMinutes(i));
                if (decision.Changed)
                {
                    return false;
                }

                state = decision.Next;
            }

            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Evaluate_WhenItJustPromoted_DoesNotDemoteOnTheSameEvidence()
    {
        Prop.ForAll(Arb.From(Cases()), c =>
        {
            var decision = Evaluate(c, c.Metrics());
            if (decision.Rule != StageRules.Promoted)
            {
                return true;
            }

            // The evidence at the new stage starts empty; the window's bounds are the same ones that promoted it.
            var fresh = c.Metrics(failureStreak: 0, sample: 0) with { AtStage = new StageEvidence(0, 0, 0, RateEstimate.Of(0, 0, 1.96), RateEstimate.Of(0, 0, 1.96)) };
            return Evaluate(c, fresh, decision.Next).Next.Stage >= decision.Next.Stage;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Evaluate_Always_StaysWithinTheGateAndMovesAtMostOneStepUp()
    {
        Prop.ForAll(Arb.From(Cases()), c =>
        {
            var next = Evaluate(c, c.Metrics()).Next.Stage;
            return next <= c.Cap && next <= c.Stage + 1;
        }).QuickCheckThrowOnFailure();
    }
}
