using ControlTower.Core.Trust;

namespace ControlTower.Core.Demo;

/// <summary>
/// What one simulated case came to: how many decisions people made (all of them, and those on the governed dispense),
/// whether its dispense ran without a person, whether a failure was injected, and the dispense scope's stage after it.
/// </summary>
public sealed record SimulatedCaseRecord(int Index, int HumanDecisions, int GovernedHumanDecisions, bool DispensedAutomatically, bool InjectedFailure, TrustStage StageAfter);

/// <summary>People's share of the work over a window of cases.</summary>
public sealed record WindowFigures(int From, int To, int Cases, int CasesNeedingAPerson, int HumanDecisions, int GovernedHumanDecisions)
{
    public double ShareNeedingAPerson => Cases == 0 ? 0 : (double)CasesNeedingAPerson / Cases;
}

/// <summary>How a failure burst went: where it started, the stage before it, and after how many burst cases the scope fell (null: it did not).</summary>
public sealed record DemotionFigures(int FirstFailureCase, TrustStage StageBefore, int? DemotedAtCase, TrustStage? StageAfter)
{
    public int? CasesUntilDemoted => DemotedAtCase is { } at ? at - FirstFailureCase + 1 : null;
}

/// <summary>The figures of a simulation (pure; the bench, the CLI and the job view all report these).</summary>
public sealed record SimulationFigures(
    int Cases,
    TrustStage FinalStage,
    TrustStage HighestStage,
    IReadOnlyDictionary<string, int> StageFirstReachedAtCase,
    WindowFigures First,
    WindowFigures Last,
    DemotionFigures? Demotion)
{
    /// <summary>How much fewer decisions people made in the last window than in the first (0.6 = 60% fewer); null without a first window.</summary>
    public double? HumanDecisionReduction => Reduction(First.HumanDecisions, Last.HumanDecisions);

    /// <summary>The same, counting only decisions on the governed dispense.</summary>
    public double? GovernedDecisionReduction => Reduction(First.GovernedHumanDecisions, Last.GovernedHumanDecisions);

    /// <param name="window">The size of the first and last windows (100 in the issue), shrunk to half the cases when there are fewer.</param>
    public static SimulationFigures Compute(IReadOnlyList<SimulatedCaseRecord> cases, TrustStage initialStage, int window = 100)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var size = Math.Max(1, Math.Min(window, cases.Count / 2));
        var reached = new Dictionary<string, int>(StringComparer.Ordinal) { [initialStage.Name()] = 0 };
        var highest = initialStage;
        foreach (var c in cases)
        {
            reached.TryAdd(c.StageAfter.Name(), c.Index);
            highest = c.StageAfter > highest ? c.StageAfter : highest;
        }

        return new SimulationFigures(
            cases.Count,
            cases.Count == 0 ? initialStage : cases[^1].StageAfter,
            highest,
            reached,
            Window(cases.Take(size).ToList()),
            Window(cases.Skip(Math.Max(0, cases.Count - size)).ToList()),
            DemotionOf(cases, initialStage));
    }

    private static WindowFigures Window(IReadOnlyList<SimulatedCaseRecord> cases) => new(
        cases.Count == 0 ? 0 : cases[0].Index,
        cases.Count == 0 ? 0 : cases[^1].Index,
        cases.Count,
        cases.Count(c => c.HumanDecisions > 0),
        cases.Sum(c => c.HumanDecisions),
        cases.Sum(c => c.GovernedHumanDecisions));

    /// <summary>From the first injected failure: the stage before it and the first case of the burst after which the stage was lower.</summary>
    private static DemotionFigures? DemotionOf(IReadOnlyList<SimulatedCaseRecord> cases, TrustStage initialStage)
    {
        var first = -1;
        for (var i = 0; i < cases.Count && first < 0; i++)
        {
            first = cases[i].InjectedFailure ? i : -1;
        }

        if (first < 0)
        {
            return null;
        }

        var before = first == 0 ? initialStage : cases[first - 1].StageAfter;
        for (var i = first; i < cases.Count && cases[i].InjectedFailure; i++)
        {
            if (cases[i].StageAfter < before)
            {
                return new DemotionFigures(cases[first].Index, before, cases[i].Index, cases[i].StageAfter);
            }
        }

        return new DemotionFigures(cases[first].Index, before, null, null);
    }

    private static double? Reduction(int first, int last) => first == 0 ? null : 1 - ((double)last / first);
}
