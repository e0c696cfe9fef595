using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ControlTower.Core.Trust;

namespace ControlTower.Server.Trust;

/// <summary>
/// The trust system's versioned configuration: the stage policy's thresholds, the metrics window and what
/// <c>conditional_auto</c> asks of the predictions. <see cref="Policy"/>'s version is the label plus a hash of every
/// number, so a changed threshold is a new version in every stage change it causes, even if the label was not bumped.
/// </summary>
internal sealed class TrustOptions : IValidatableObject
{
    /// <summary>The label of this configuration, recorded with every stage change.</summary>
    [ConfigurationKeyName("TRUST_POLICY_VERSION")]
    [StringLength(40, MinimumLength = 1)]
    public string PolicyVersion { get; set; } = "2026-12-07.1";

    /// <summary>Entry thresholds per stage: <c>stage:reliabilityLower,alignmentLower[,maxEce]</c> separated by <c>;</c>.</summary>
    [ConfigurationKeyName("TRUST_STAGE_THRESHOLDS")]
    public string StageThresholds { get; set; } = "propose:0.50,0.50;guarded_auto:0.80,0.90;conditional_auto:0.90,0.95,0.10;full_auto:0.95,0.98,0.05";

    /// <summary>Proposals a scope must have had decided or run at its current stage before it may be promoted.</summary>
    [ConfigurationKeyName("TRUST_MIN_SAMPLE")]
    [Range(1, 100_000)]
    public int MinSample { get; set; } = 20;

    /// <summary>Evaluations in a row a scope must be eligible before it is promoted.</summary>
    [ConfigurationKeyName("TRUST_SUSTAIN_EVALUATIONS")]
    [Range(1, 10_000)]
    public int SustainEvaluations { get; set; } = 3;

    /// <summary>And, when above 0, for how long (seconds) it must have been eligible.</summary>
    [ConfigurationKeyName("TRUST_SUSTAIN_SECONDS")]
    [Range(0, 31_536_000)]
    public double SustainSeconds { get; set; }

    /// <summary>How far below its own stage's threshold a lower bound may fall before the scope is demoted.</summary>
    [ConfigurationKeyName("TRUST_HYSTERESIS")]
    [Range(0, 0.5)]
    public double Hysteresis { get; set; } = 0.05;

    [ConfigurationKeyName("TRUST_FAILURE_STREAK")]
    [Range(1, 1000)]
    public int FailureStreak { get; set; } = 3;

    [ConfigurationKeyName("TRUST_MAX_OVERRIDE_RATE")]
    [Range(0, 1)]
    public double MaxOverrideRate { get; set; } = 0.10;

    [ConfigurationKeyName("TRUST_MAX_ANOMALY_RATE")]
    [Range(0, 1)]
    public double MaxAnomalyRate { get; set; } = 0.10;

    /// <summary>The metrics window: at most this many of a scope's newest events…</summary>
    [ConfigurationKeyName("TRUST_WINDOW_EVENTS")]
    [Range(10, 100_000)]
    public int WindowEvents { get; set; } = 2000;

    /// <summary>…none older than this many days.</summary>
    [ConfigurationKeyName("TRUST_WINDOW_DAYS")]
    [Range(1, 3650)]
    public double WindowDays { get; set; } = 30;

    [ConfigurationKeyName("TRUST_AUTO_APPROVAL")]
    [Range(0, 1)]
    public double AutoApproval { get; set; } = 0.90;

    [ConfigurationKeyName("TRUST_AUTO_SUCCESS")]
    [Range(0, 1)]
    public double AutoSuccess { get; set; } = 0.95;

    /// <summary>How often each process looks at the retrain triggers and picks up models another process trained (0: never).</summary>
    [ConfigurationKeyName("TRUST_RETRAIN_CHECK_SECONDS")]
    [Range(0, 86_400)]
    public double RetrainCheckSeconds { get; set; } = 300;

    public MetricsWindow Window => new(WindowEvents, TimeSpan.FromDays(WindowDays));

    public ModeThresholds Modes => new(AutoApproval, AutoSuccess);

    public TrustPolicy Policy
    {
        get
        {
            var thresholds = ParseThresholds(StageThresholds);
            var fingerprint = string.Join(';', thresholds.OrderBy(t => t.Key).Select(t => $"{t.Key}:{t.Value}"))
                + string.Create(CultureInfo.InvariantCulture, $"|{MinSample}|{SustainEvaluations}|{SustainSeconds}|{Hysteresis}|{FailureStreak}|{MaxOverrideRate}|{MaxAnomalyRate}");
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)))[..8];
            return new TrustPolicy($"{PolicyVersion}+{hash}", thresholds, MinSample, SustainEvaluations,
                SustainSeconds > 0 ? TimeSpan.FromSeconds(SustainSeconds) : null, Hysteresis, FailureStreak, MaxOverrideRate, MaxAnomalyRate);
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string? error = null;
        try
        {
            var thresholds = ParseThresholds(StageThresholds);
            var ladder = TrustStages.Ladder.Skip(1).Select(s => thresholds.TryGetValue(s, out var t) ? t : null).ToList();
            if (ladder.Any(t => t is null))
            {
                error = "TRUST_STAGE_THRESHOLDS must name propose, guarded_auto, conditional_auto and full_auto.";
            }
            else if (ladder.Zip(ladder.Skip(1)).Any(p => p.Second!.Reliability < p.First!.Reliability || p.Second.Alignment < p.First.Alignment))
            {
                error = "TRUST_STAGE_THRESHOLDS must not fall from one stage to the next.";
            }
        }
        catch (FormatException ex)
        {
            error = ex.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult(error, [nameof(StageThresholds)]);
        }
    }

    private static Dictionary<TrustStage, StageThreshold> ParseThresholds(string text)
    {
        var result = new Dictionary<TrustStage, StageThreshold>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, numbers) = part.Split(':', 2) is [var n, var v] ? (n.Trim(), v.Split(',', StringSplitOptions.TrimEntries)) : throw Bad(part);
            if (!TrustStages.TryParse(name, out var stage) || stage == TrustStage.Observe || numbers.Length is < 2 or > 3)
            {
                throw Bad(part);
            }

            var values = numbers.Select(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 1 ? d : throw Bad(part)).ToArray();
            result[stage] = new StageThreshold(values[0], values[1], values.Length == 3 ? values[2] : null);
        }

        return result;
    }

    private static FormatException Bad(string part) =>
        new($"TRUST_STAGE_THRESHOLDS entry '{part}' is not 'stage:reliability,alignment[,maxEce]' with a stage above observe and numbers in [0, 1].");
}
