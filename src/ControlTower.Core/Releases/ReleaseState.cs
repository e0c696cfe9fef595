namespace ControlTower.Core.Releases;

/// <summary>How a workflow's release sends new runs to its versions.</summary>
public enum ReleaseMode
{
    /// <summary>Every new run takes the stable version.</summary>
    Direct,

    /// <summary>A share of new runs (by a stable hash of their split key) takes the candidate; the share ramps in steps.</summary>
    Canary,

    /// <summary>Every new run takes the stable version; each finished live run is also run on the candidate with recorded side effects.</summary>
    Shadow,
}

/// <summary>
/// How a canary ramps and when it is judged worse than stable. <see cref="Steps"/> are the candidate's shares in
/// percent (ascending, 1..99); a step is held at least <see cref="StepPause"/> and until the candidate finished
/// <see cref="MinRunsPerStep"/> runs in it; after the last step the candidate is promoted (it takes every new run).
/// </summary>
public sealed record CanaryPolicy(
    IReadOnlyList<int> Steps,
    TimeSpan StepPause,
    int MinRunsPerStep,
    double MaxErrorRateIncrease,
    double MaxLatencyRatio)
{
    public static CanaryPolicy Default { get; } = new([5, 25, 50], TimeSpan.FromMinutes(10), 20, 0.05, 1.5);

    /// <summary>What is wrong with the policy, one sentence each; empty when it is usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Steps.Count is 0 or > 20)
        {
            problems.Add("steps needs 1 to 20 percentages.");
        }

        if (Steps.Any(s => s is < 1 or > 99))
        {
            problems.Add("every step is a percentage from 1 to 99 (after the last step the candidate takes every run).");
        }

        if (Steps.Zip(Steps.Skip(1)).Any(pair => pair.Second <= pair.First))
        {
            problems.Add("steps must rise strictly.");
        }

        if (StepPause < TimeSpan.Zero || StepPause > TimeSpan.FromDays(7))
        {
            problems.Add("stepPauseSeconds is between 0 and 7 days.");
        }

        if (MinRunsPerStep is < 1 or > 100_000)
        {
            problems.Add("minRunsPerStep is between 1 and 100000.");
        }

        if (MaxErrorRateIncrease is < 0 or > 1 || double.IsNaN(MaxErrorRateIncrease))
        {
            problems.Add("maxErrorRateIncrease is a share between 0 and 1.");
        }

        if (MaxLatencyRatio is < 1 or > 100 || double.IsNaN(MaxLatencyRatio))
        {
            problems.Add("maxLatencyRatio is between 1 and 100.");
        }

        return problems;
    }
}

/// <summary>
/// A workflow's release: which version takes new runs. <see cref="PhaseStartedAt"/> is when the current canary
/// step (or the shadow) began; the canary's numbers are compared over the runs started since then.
/// </summary>
public sealed record ReleaseState(
    ReleaseMode Mode,
    int StableVersion,
    int? CandidateVersion,
    CanaryPolicy? Canary,
    int StepIndex,
    DateTimeOffset PhaseStartedAt)
{
    /// <summary>The candidate's share of new runs in percent (0 outside a canary).</summary>
    public int CanaryPercent => Mode == ReleaseMode.Canary && Canary is { } policy && CandidateVersion is not null
        ? policy.Steps[Math.Clamp(StepIndex, 0, policy.Steps.Count - 1)]
        : 0;
}
