namespace ControlTower.Core.Trust;

/// <summary>What a scope must show to enter (and, less the hysteresis band, to keep) a stage: lower confidence bounds and, optionally, calibration.</summary>
public sealed record StageThreshold(double Reliability, double Alignment, double? MaxEce = null);

/// <summary>
/// The versioned thresholds of the stage policy. <see cref="Thresholds"/> names, per stage above <c>observe</c>, what
/// entering it takes; a scope keeps its stage while it stays within <see cref="HysteresisBand"/> of that stage's own threshold.
/// </summary>
public sealed record TrustPolicy(
    string Version,
    IReadOnlyDictionary<TrustStage, StageThreshold> Thresholds,
    int MinSampleAtStage = 20,
    int SustainEvaluations = 3,
    TimeSpan? SustainFor = null,
    double HysteresisBand = 0.05,
    int FailureStreakLimit = 3,
    double MaxOverrideRate = 0.10,
    double MaxAnomalyRate = 0.10)
{
    /// <summary>The defaults documented in the Trust README.</summary>
    public static TrustPolicy Default { get; } = new("2026-12-07.1", new Dictionary<TrustStage, StageThreshold>
    {
        [TrustStage.Propose] = new(0.50, 0.50),
        [TrustStage.GuardedAuto] = new(0.80, 0.90),
        [TrustStage.ConditionalAuto] = new(0.90, 0.95, 0.10),
        [TrustStage.FullAuto] = new(0.95, 0.98, 0.05),
    });

    public StageThreshold For(TrustStage stage) => Thresholds.TryGetValue(stage, out var t) ? t : new StageThreshold(0, 0);
}

/// <summary>An admin's pin: the scope stays at <see cref="Stage"/> (a freeze is a pin at the current stage) until unpinned.</summary>
public sealed record StagePin(TrustStage Stage, string Reason, string By, DateTimeOffset At);

/// <summary>
/// Where a scope stands: its stage and since when, and how long it has been eligible for the next one
/// (consecutive evaluations and since when), which is what "sustained" is measured against.
/// </summary>
public sealed record StageState(TrustStage Stage, DateTimeOffset Since, int EligibleStreak = 0, DateTimeOffset? EligibleSince = null, StagePin? Pin = null)
{
    public static StageState Initial(DateTimeOffset now) => new(TrustStage.Observe, now);
}

/// <summary>What else bears on the stage: the highest stage the gates allow, and the kill switch.</summary>
public sealed record StageLimits(TrustStage Cap, bool KillSwitch);

/// <summary>One number the policy compared, with its threshold, so an audit entry says exactly what decided.</summary>
public sealed record ThresholdCheck(string Name, double? Value, string Comparison, double Threshold, bool Passed);

/// <summary>The policy's answer: the next state, the rule that decided (<see cref="StageRules"/>), why, and the checks it made.</summary>
public sealed record StageDecision(StageState Next, TrustStage From, string Rule, IReadOnlyList<string> Reasons, IReadOnlyList<ThresholdCheck> Checks)
{
    public bool Changed => Next.Stage != From;
}

/// <summary>The rules that can decide a stage.</summary>
public static class StageRules
{
    public const string KillSwitch = "kill_switch";
    public const string Pinned = "pinned";
    public const string GateCap = "gate_cap";
    public const string FailureStreak = "failure_streak";
    public const string Rollback = "rollback";
    public const string AnomalyRate = "anomaly_rate";
    public const string OverrideRate = "override_rate";
    public const string BelowHoldThreshold = "below_hold_threshold";
    public const string Promoted = "promoted";
    public const string Sustaining = "sustaining";
    public const string Held = "held";
}

/// <summary>
/// The stage policy: (metrics, current state, limits, policy, now) → next state with reasons. Pure.
/// Order: kill switch (→ observe), pin (→ the pinned stage, capped), gate cap, then fast demotions — a failure streak
/// (→ propose), a rollback, an anomaly or override rate whose lower bound is above its limit (one stage down) —, then the
/// hold check (one stage down when, over at least the minimum sample, a lower bound falls below the stage's threshold less
/// the hysteresis band), then promotion
/// (one stage up when the sample at this stage is large enough and every lower bound clears the next stage's threshold,
/// for <see cref="TrustPolicy.SustainEvaluations"/> evaluations in a row and, if set, for <see cref="TrustPolicy.SustainFor"/>).
/// </summary>
public static class StagePolicy
{
    public static StageDecision Evaluate(ScopeMetrics metrics, StageState current, StageLimits limits, TrustPolicy policy, DateTimeOffset now)
    {
        var stage = current.Stage;
        if (limits.KillSwitch)
        {
            return Move(current, TrustStage.Observe, now, StageRules.KillSwitch, ["the kill switch is engaged"], []);
        }

        if (current.Pin is { } pin)
        {
            var pinned = TrustStages.Min(pin.Stage, limits.Cap);
            return Move(current, pinned, now, StageRules.Pinned,
                [$"pinned at {pin.Stage.Name()} by {pin.By}: {pin.Reason}" + (pinned < pin.Stage ? $" (capped at {limits.Cap.Name()} by the gate)" : "")], []);
        }

        if (stage > limits.Cap)
        {
            return Move(current, limits.Cap, now, StageRules.GateCap, [$"the gate allows at most {limits.Cap.Name()}"], []);
        }

        if (FastDemotion(metrics, stage, policy) is { } demotion)
        {
            return Move(current, demotion.To, now, demotion.Rule, [demotion.Reason], [demotion.Check]);
        }

        if (stage > TrustStage.Observe)
        {
            var hold = Checks(metrics, policy.For(stage), policy.HysteresisBand, holdingWithSample: policy.MinSampleAtStage);
            if (hold.FirstOrDefault(c => !c.Passed) is { } failed)
            {
                return Move(current, stage.Down(), now, StageRules.BelowHoldThreshold,
                    [$"{failed.Name} {Format(failed.Value)} fell below {stage.Name()}'s threshold less the hysteresis band ({Format(failed.Threshold)})"], hold);
            }
        }

        return Promotion(metrics, current, limits, policy, now);
    }

    private sealed record Demotion(TrustStage To, string Rule, string Reason, ThresholdCheck Check);

    private static Demotion? FastDemotion(ScopeMetrics metrics, TrustStage stage, TrustPolicy policy)
    {
        var evidence = metrics.AtStage;
        if (stage > TrustStage.Propose && evidence.FailureStreak >= policy.FailureStreakLimit)
        {
            return new Demotion(TrustStage.Propose, StageRules.FailureStreak, $"{evidence.FailureStreak} failures in a row (limit {policy.FailureStreakLimit})",
                new ThresholdCheck("failure_streak", evidence.FailureStreak, "<", policy.FailureStreakLimit, false));
        }

        if (stage < TrustStage.GuardedAuto)
        {
            return null;
        }

        if (evidence.Rollbacks > 0)
        {
            return new Demotion(stage.Down(), StageRules.Rollback, $"{evidence.Rollbacks} rollback(s) at {stage.Name()}",
                new ThresholdCheck("rollbacks", evidence.Rollbacks, "<", 1, false));
        }

        if (evidence.Anomalies.Lower > policy.MaxAnomalyRate)
        {
            return new Demotion(stage.Down(), StageRules.AnomalyRate, $"anomaly rate lower bound {Format(evidence.Anomalies.Lower)} is above {Format(policy.MaxAnomalyRate)}",
                new ThresholdCheck("anomaly_rate_lower", evidence.Anomalies.Lower, "<=", policy.MaxAnomalyRate, false));
        }

        return evidence.Overrides.Lower > policy.MaxOverrideRate
            ? new Demotion(stage.Down(), StageRules.OverrideRate, $"override rate lower bound {Format(evidence.Overrides.Lower)} is above {Format(policy.MaxOverrideRate)}",
                new ThresholdCheck("override_rate_lower", evidence.Overrides.Lower, "<=", policy.MaxOverrideRate, false))
            : null;
    }

    private static StageDecision Promotion(ScopeMetrics metrics, StageState current, StageLimits limits, TrustPolicy policy, DateTimeOffset now)
    {
        var stage = current.Stage;
        if (stage >= limits.Cap)
        {
            return Stay(current, StageRules.Held, [stage == TrustStage.FullAuto ? "at the top of the ladder" : $"the gate allows at most {limits.Cap.Name()}"], []);
        }

        var next = stage + 1;
        var checks = new List<ThresholdCheck> { new("sample_at_stage", metrics.AtStage.Sample, ">=", policy.MinSampleAtStage, metrics.AtStage.Sample >= policy.MinSampleAtStage) };
        checks.AddRange(Checks(metrics, policy.For(next), 0, holdingWithSample: null));
        checks.AddRange(Clean(metrics.AtStage, policy));
        if (checks.FirstOrDefault(c => !c.Passed) is { } missing)
        {
            return Stay(current, StageRules.Held, [$"not yet {next.Name()}: {missing.Name} {Format(missing.Value)} {Negate(missing.Comparison)} {Format(missing.Threshold)}"], checks);
        }

        var streak = current.EligibleStreak + 1;
        var since = current.EligibleSince ?? now;
        var sustained = streak >= policy.SustainEvaluations && (policy.SustainFor is not { } duration || now - since >= duration);
        if (!sustained)
        {
            return new StageDecision(current with { EligibleStreak = streak, EligibleSince = since }, stage, StageRules.Sustaining,
                [$"eligible for {next.Name()} for {streak} of {policy.SustainEvaluations} evaluations" + (policy.SustainFor is { } d ? $" and since {since:O} (needs {d})" : "")], checks);
        }

        return Move(current, next, now, StageRules.Promoted, [$"every lower bound cleared {next.Name()}'s thresholds for {streak} evaluations"], checks);
    }

    /// <summary>
    /// The lower bounds (and ECE) against a stage's threshold, each lowered (ECE raised) by <paramref name="band"/>. When
    /// holding (<paramref name="holdingWithSample"/> set), a metric with fewer trials than that passes: a wide interval from a
    /// handful of cases is no evidence against the stage (the fast demotions still apply); when promoting it fails.
    /// </summary>
    private static List<ThresholdCheck> Checks(ScopeMetrics metrics, StageThreshold threshold, double band, int? holdingWithSample)
    {
        var checks = new List<ThresholdCheck>();
        bool Thin(int trials) => holdingWithSample is { } min && trials < min;
        if (threshold.Reliability > 0)
        {
            var bar = threshold.Reliability - band;
            var r = metrics.Reliability;
            checks.Add(new ThresholdCheck("reliability_lower", r.Lower, ">=", bar, Thin(r.Trials) || r.Lower >= bar));
        }

        if (threshold.Alignment > 0)
        {
            var bar = threshold.Alignment - band;
            var a = metrics.Alignment;
            checks.Add(new ThresholdCheck("alignment_lower", a.Lower, ">=", bar, Thin(a.Trials) || a.Lower >= bar));
        }

        if (threshold.MaxEce is { } maxEce)
        {
            var bar = maxEce + band;
            checks.Add(new ThresholdCheck("ece", metrics.Ece, "<=", bar, Thin(metrics.CalibrationSample) || metrics.Ece <= bar));
        }

        return checks;
    }

    /// <summary>No fast-demotion trigger may be live when promoting, or the next evaluation would undo it.</summary>
    private static IEnumerable<ThresholdCheck> Clean(StageEvidence evidence, TrustPolicy policy)
    {
        yield return new ThresholdCheck("failure_streak", evidence.FailureStreak, "<", policy.FailureStreakLimit, evidence.FailureStreak < policy.FailureStreakLimit);
        yield return new ThresholdCheck("rollbacks", evidence.Rollbacks, "<", 1, evidence.Rollbacks < 1);
        yield return new ThresholdCheck("anomaly_rate_lower", evidence.Anomalies.Lower ?? 0, "<=", policy.MaxAnomalyRate, !(evidence.Anomalies.Lower > policy.MaxAnomalyRate));
        yield return new ThresholdCheck("override_rate_lower", evidence.Overrides.Lower ?? 0, "<=", policy.MaxOverrideRate, !(evidence.Overrides.Lower > policy.MaxOverrideRate));
    }

    private static StageDecision Move(StageState current, TrustStage to, DateTimeOffset now, string rule, IReadOnlyList<string> reasons, IReadOnlyList<ThresholdCheck> checks) =>
        to == current.Stage
            ? Stay(current, rule, reasons, checks)
            : new StageDecision(new StageState(to, now, 0, null, current.Pin), current.Stage, rule, reasons, checks);

    /// <summary>No change of stage; any run of eligibility is broken.</summary>
    private static StageDecision Stay(StageState current, string rule, IReadOnlyList<string> reasons, IReadOnlyList<ThresholdCheck> checks) =>
        new(current with { EligibleStreak = 0, EligibleSince = null }, current.Stage, rule, reasons, checks);

    private static string Format(double? value) => value is { } v ? v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "n/a";

    private static string Negate(string comparison) => comparison switch { ">=" => "<", "<" => ">=", _ => ">" };
}
