namespace ControlTower.Core.Trust.Learning;

/// <summary>When the trust models are retrained.</summary>
public sealed record RetrainPolicy
{
    /// <summary>No first model before this many labelled events (before it, predictions are cold-start priors).</summary>
    public int MinEventsForFirstTraining { get; init; } = 200;

    /// <summary>Retrain after this many new events since the last training.</summary>
    public int NewEvents { get; init; } = 500;

    /// <summary>Retrain when the models are older than this (and anything new arrived).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Retrain when any feature's PSI reaches this (0.25 is the usual "significant shift").</summary>
    public double PsiThreshold { get; init; } = 0.25;

    /// <summary>PSI over fewer recent proposals than this is noise and is not acted on.</summary>
    public int MinDriftSample { get; init; } = 100;
}

/// <summary>What the retrain check sees: the last training (null if none), the events since, and the drift measured on recent proposals.</summary>
public sealed record RetrainState(
    DateTimeOffset? LastTrainedAt,
    int EventsAtLastTraining,
    int TotalEvents,
    IReadOnlyList<FeatureDriftValue> Drift,
    int DriftSample);

/// <summary>Whether to retrain now, every reason that applies, and when the age trigger fires next.</summary>
public sealed record RetrainDecision(bool Retrain, IReadOnlyList<string> Reasons, DateTimeOffset? NextAgeTrigger, int EventsUntilCountTrigger);

/// <summary>The retrain triggers as one pure function: new events, age, drift.</summary>
public static class RetrainTrigger
{
    public static RetrainDecision Evaluate(RetrainState state, RetrainPolicy policy, DateTimeOffset now)
    {
        var reasons = new List<string>();
        if (state.LastTrainedAt is null)
        {
            var missing = policy.MinEventsForFirstTraining - state.TotalEvents;
            if (missing <= 0)
            {
                reasons.Add($"no model yet and {state.TotalEvents} events ≥ {policy.MinEventsForFirstTraining}");
            }

            return new RetrainDecision(reasons.Count > 0, reasons, null, Math.Max(0, missing));
        }

        var fresh = state.TotalEvents - state.EventsAtLastTraining;
        if (fresh >= policy.NewEvents)
        {
            reasons.Add($"{fresh} new events ≥ {policy.NewEvents}");
        }

        var due = state.LastTrainedAt.Value + policy.MaxAge;
        if (now >= due && fresh > 0)
        {
            reasons.Add($"models are {(now - state.LastTrainedAt.Value).TotalHours:0.#} h old ≥ {policy.MaxAge.TotalHours:0.#} h with {fresh} new events");
        }

        if (state.DriftSample >= policy.MinDriftSample)
        {
            reasons.AddRange(state.Drift
                .Where(d => d.Psi >= policy.PsiThreshold)
                .Select(d => $"drift in {d.Feature}: PSI {d.Psi:0.###} ≥ {policy.PsiThreshold:0.###} over {state.DriftSample} recent proposals"));
        }

        return new RetrainDecision(reasons.Count > 0, reasons, due, Math.Max(0, policy.NewEvents - fresh));
    }
}
