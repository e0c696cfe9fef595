namespace ControlTower.Core.Trust;

/// <summary>A rate with its sample and a Wilson score interval at the window's confidence.</summary>
public sealed record RateEstimate(int Hits, int Trials, double? Rate, double? Lower, double? Upper)
{
    public static RateEstimate Of(int hits, int trials, double z)
    {
        if (trials <= 0)
        {
            return new RateEstimate(0, 0, null, null, null);
        }

        // Wilson rather than the normal approximation: honest at small samples and at rates near 0 or 1.
        var interval = Learning.TrustMetrics.Wilson(hits, trials, z);
        return new RateEstimate(hits, trials, interval.Rate, interval.Lower, interval.Upper);
    }
}

/// <summary>What happened since the scope entered its current stage: the evidence for promotion and fast demotion.</summary>
public sealed record StageEvidence(int Sample, int FailureStreak, int Rollbacks, RateEstimate Overrides, RateEstimate Anomalies);

/// <summary>
/// A scope's metrics over its window: reliability (approval rate), alignment (success of executed actions),
/// calibration of the outcome predictions (Brier, ECE over <see cref="CalibrationSample"/> pairs), value
/// (median decision latency × actions that ran without waiting) and override rate, plus the evidence at the current stage.
/// </summary>
public sealed record ScopeMetrics(
    int Events,
    int Proposals,
    RateEstimate Reliability,
    RateEstimate Alignment,
    RateEstimate OverrideRate,
    double? Brier,
    double? Ece,
    int CalibrationSample,
    double? MedianDecisionSeconds,
    int AutoExecutions,
    double? SecondsSaved,
    StageEvidence AtStage);

/// <summary>Which events count: at most <see cref="MaxEvents"/> of the newest, none older than <see cref="MaxAge"/>.</summary>
public sealed record MetricsWindow(int MaxEvents, TimeSpan MaxAge, double Z = 1.96, int CalibrationBins = 10);
