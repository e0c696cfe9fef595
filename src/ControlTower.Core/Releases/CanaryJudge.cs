using System.Globalization;

namespace ControlTower.Core.Releases;

/// <summary>One finished run in a canary step: whether it failed, and how long it took (completed runs only).</summary>
public readonly record struct RunSample(bool Failed, double? DurationMs);

/// <summary>A version's numbers over a canary step: finished runs, failed runs and the 95th percentile duration of completed ones.</summary>
public sealed record VersionSample(int Finished, int Failed, double? P95Ms)
{
    public static VersionSample Empty { get; } = new(0, 0, null);

    public double ErrorRate => Finished == 0 ? 0 : (double)Failed / Finished;

    public static VersionSample From(IEnumerable<RunSample> runs)
    {
        var list = runs.ToList();
        var durations = list.Where(r => !r.Failed && r.DurationMs is not null).Select(r => r.DurationMs!.Value).ToList();
        return new VersionSample(list.Count, list.Count(r => r.Failed), Percentile(durations, 0.95));
    }

    /// <summary>Nearest-rank percentile; null for no values.</summary>
    public static double? Percentile(IReadOnlyCollection<double> values, double quantile)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>What the canary check decided for the current step.</summary>
public abstract record CanaryDecision(string Reason)
{
    /// <summary>Keep the step: its pause has not passed, or the candidate has too few finished runs to judge.</summary>
    public sealed record Hold(string Reason) : CanaryDecision(Reason);

    /// <summary>Move to the next step (a larger share), starting its window now.</summary>
    public sealed record Advance(int StepIndex, int Percent, string Reason) : CanaryDecision(Reason);

    /// <summary>The last step passed: the candidate becomes the stable version and takes every new run.</summary>
    public sealed record Promote(string Reason) : CanaryDecision(Reason);

    /// <summary>The candidate is worse than stable beyond the policy's thresholds: every new run goes back to stable.</summary>
    public sealed record RollBack(string Reason) : CanaryDecision(Reason);
}

/// <summary>
/// The canary's automatic check, run over each step's window. Rollback is judged as soon as the candidate has
/// <see cref="CanaryPolicy.MinRunsPerStep"/> finished runs (a bad candidate is stopped without waiting out the pause):
/// its error rate exceeds stable's by more than <see cref="CanaryPolicy.MaxErrorRateIncrease"/>, or its p95 duration
/// exceeds stable's times <see cref="CanaryPolicy.MaxLatencyRatio"/> (only when stable completed runs in the window too).
/// Promotion to the next step needs the pause to have passed and the same minimum sample.
/// </summary>
public static class CanaryJudge
{
    public static CanaryDecision Decide(ReleaseState release, VersionSample stable, VersionSample candidate, DateTimeOffset now)
    {
        if (release is not { Mode: ReleaseMode.Canary, Canary: { } policy, CandidateVersion: not null })
        {
            return new CanaryDecision.Hold("no canary is running.");
        }

        if (candidate.Finished >= policy.MinRunsPerStep && Worse(policy, stable, candidate) is { } worse)
        {
            return new CanaryDecision.RollBack(worse);
        }

        var pauseEnds = release.PhaseStartedAt + policy.StepPause;
        if (now < pauseEnds)
        {
            return new CanaryDecision.Hold(string.Create(CultureInfo.InvariantCulture,
                $"step {release.StepIndex + 1} ({release.CanaryPercent}%) pauses until {pauseEnds.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC."));
        }

        if (candidate.Finished < policy.MinRunsPerStep)
        {
            return new CanaryDecision.Hold(string.Create(CultureInfo.InvariantCulture,
                $"step {release.StepIndex + 1} ({release.CanaryPercent}%) has {candidate.Finished} of the {policy.MinRunsPerStep} finished candidate runs it needs."));
        }

        var summary = Summary(stable, candidate);
        var next = release.StepIndex + 1;
        return next < policy.Steps.Count
            ? new CanaryDecision.Advance(next, policy.Steps[next], $"step {release.StepIndex + 1} passed ({summary}); the candidate now takes {policy.Steps[next]}%.")
            : new CanaryDecision.Promote($"the last step passed ({summary}); the candidate takes every new run.");
    }

    private static string? Worse(CanaryPolicy policy, VersionSample stable, VersionSample candidate)
    {
        if (candidate.ErrorRate - stable.ErrorRate > policy.MaxErrorRateIncrease)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the candidate's error rate {Percent(candidate.ErrorRate)} exceeds stable's {Percent(stable.ErrorRate)} by more than " +
                    $"{Percent(policy.MaxErrorRateIncrease)} ({Summary(stable, candidate)}).");
        }

        if (stable.P95Ms is { } stableP95 && candidate.P95Ms is { } candidateP95 && candidateP95 > stableP95 * policy.MaxLatencyRatio)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the candidate's p95 {candidateP95:F0} ms exceeds stable's {stableP95:F0} ms × {policy.MaxLatencyRatio} ({Summary(stable, candidate)}).");
        }

        return null;
    }

    private static string Summary(VersionSample stable, VersionSample candidate) => string.Create(CultureInfo.InvariantCulture,
        $"candidate {candidate.Failed}/{candidate.Finished} failed, p95 {Ms(candidate.P95Ms)}; stable {stable.Failed}/{stable.Finished} failed, p95 {Ms(stable.P95Ms)}");

    private static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:F1}%");

    private static string Ms(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:F0} ms") : "n/a";
}
