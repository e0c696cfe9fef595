using ControlTower.Core.Releases;

namespace ControlTower.Core.Tests.Releases;

/// <summary>The canary check as a table: each row a step's situation and the decision it must give.</summary>
public sealed class CanaryJudgeTests
{
    private static readonly DateTimeOffset StepStart = new(2026, 12, 8, 9, 0, 0, TimeSpan.Zero);
    private static readonly CanaryPolicy Policy = new([10, 50], TimeSpan.FromMinutes(10), 20, 0.05, 1.5);

    private static ReleaseState Canary(int step) => new(ReleaseMode.Canary, 1, 2, Policy, step, StepStart);

    public static TheoryData<string, int, VersionSample, VersionSample, int, string> Table() => new()
    {
        // name, step, stable, candidate, minutes since the step began, expected decision
        { "pause not over holds", 0, new(100, 1, 200), new(30, 1, 210), 5, nameof(CanaryDecision.Hold) },
        { "pause over, too few candidate runs holds", 0, new(100, 1, 200), new(19, 0, 210), 11, nameof(CanaryDecision.Hold) },
        { "pause over, healthy candidate advances", 0, new(100, 1, 200), new(20, 0, 250), 10, nameof(CanaryDecision.Advance) },
        { "last step healthy promotes", 1, new(100, 1, 200), new(50, 1, 200), 10, nameof(CanaryDecision.Promote) },
        { "error rate worse beyond threshold rolls back during the pause", 0, new(100, 1, 200), new(20, 3, 200), 1, nameof(CanaryDecision.RollBack) },
        { "error rate worse within threshold advances", 0, new(100, 1, 200), new(20, 1, 200), 10, nameof(CanaryDecision.Advance) },
        { "p95 worse beyond the ratio rolls back", 0, new(100, 0, 200), new(20, 0, 301), 10, nameof(CanaryDecision.RollBack) },
        { "p95 at the ratio advances", 0, new(100, 0, 200), new(20, 0, 300), 10, nameof(CanaryDecision.Advance) },
        { "no stable latency: latency not judged", 0, new(10, 0, null), new(20, 0, 90_000), 10, nameof(CanaryDecision.Advance) },
        { "no stable runs: errors judged against zero", 0, VersionSample.Empty, new(20, 2, 100), 10, nameof(CanaryDecision.RollBack) },
        { "a bad but small sample holds", 0, new(100, 0, 200), new(5, 5, null), 30, nameof(CanaryDecision.Hold) },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_WhenSituation_GivesTheTablesDecision(string name, int step, VersionSample stable, VersionSample candidate, int minutes, string expected)
    {
        var decision = CanaryJudge.Decide(Canary(step), stable, candidate, StepStart.AddMinutes(minutes));

        Assert.True(expected == decision.GetType().Name, $"{name}: expected {expected}, got {decision}");
    }

    [Fact]
    public void Decide_WhenAStepPasses_AdvancesToTheNextShare()
    {
        var decision = CanaryJudge.Decide(Canary(0), new(100, 1, 200), new(20, 0, 200), StepStart.AddMinutes(10));

        var advance = Assert.IsType<CanaryDecision.Advance>(decision);
        Assert.Equal(1, advance.StepIndex);
        Assert.Equal(50, advance.Percent);
    }

    [Fact]
    public void Decide_WhenTheErrorRateIsWorse_SaysWhichNumbersCausedIt()
    {
        var decision = CanaryJudge.Decide(Canary(0), new(100, 1, 200), new(20, 4, 200), StepStart);

        Assert.Contains("20.0%", Assert.IsType<CanaryDecision.RollBack>(decision).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_WhenNotACanary_Holds() =>
        Assert.IsType<CanaryDecision.Hold>(CanaryJudge.Decide(new ReleaseState(ReleaseMode.Direct, 1, null, null, 0, StepStart), VersionSample.Empty, VersionSample.Empty, StepStart));

    [Fact]
    public void From_WhenRunsFailed_CountsThemAndTakesP95OfCompletedOnly()
    {
        var runs = Enumerable.Range(1, 100).Select(i => new RunSample(false, i)).Append(new RunSample(true, null)).Append(new RunSample(true, 10_000));

        var sample = VersionSample.From(runs);

        Assert.Equal(102, sample.Finished);
        Assert.Equal(2, sample.Failed);
        Assert.Equal(95, sample.P95Ms);
    }

    public static TheoryData<int[], int, int, double, double, int> Policies() => new()
    {
        // steps, pause seconds, min runs, max error increase, max latency ratio, problems
        { [5, 25, 50], 600, 20, 0.05, 1.5, 0 },
        { [], 600, 20, 0.05, 1.5, 1 },
        { [50, 25], 600, 20, 0.05, 1.5, 1 },
        { [0, 100], 600, 20, 0.05, 1.5, 1 },
        { [10], -1, 0, 1.5, 0.5, 4 },
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public void Problems_WhenPolicyIsGiven_ListsEachProblem(int[] steps, int pauseSeconds, int minRuns, double maxError, double maxLatency, int problems) =>
        Assert.Equal(problems, new CanaryPolicy(steps, TimeSpan.FromSeconds(pauseSeconds), minRuns, maxError, maxLatency).Problems().Count);
}
