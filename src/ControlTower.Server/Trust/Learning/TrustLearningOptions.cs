using System.ComponentModel.DataAnnotations;
using ControlTower.Core.Trust.Learning;

namespace ControlTower.Server.Trust.Learning;

/// <summary>Settings of the learned trust models, bound from the flat configuration keys.</summary>
internal sealed class TrustLearningOptions
{
    /// <summary>The seed of every training (trees, sampling, isolation forest): same events and seed, same models.</summary>
    [ConfigurationKeyName("TRUST_MODEL_SEED")]
    public int Seed { get; set; } = 42;

    /// <summary>A predictor is trained only from this many labelled examples on; before, its predictions are cold-start priors.</summary>
    [ConfigurationKeyName("TRUST_MIN_TRAINING_EXAMPLES")]
    [Range(20, 10_000_000)]
    public int MinExamples { get; set; } = 200;

    /// <summary>…and with at least this many in the smaller class (approved/rejected, succeeded/failed).</summary>
    [ConfigurationKeyName("TRUST_MIN_EXAMPLES_PER_CLASS")]
    [Range(2, 10_000_000)]
    public int MinPerClass { get; set; } = 20;

    /// <summary>The anomaly detector is trained from this many proposals on.</summary>
    [ConfigurationKeyName("TRUST_MIN_ANOMALY_EXAMPLES")]
    [Range(10, 10_000_000)]
    public int MinAnomalyExamples { get; set; } = 100;

    /// <summary>Time blocks of the cross-fitting that scores every row out of fold, to calibrate and measure the predictors.</summary>
    [ConfigurationKeyName("TRUST_CALIBRATION_FOLDS")]
    [Range(2, 10)]
    public int CalibrationFolds { get; set; } = 3;

    /// <summary>
    /// Recency half-lives the calibrator may weight its examples by, as shares of the training span (empty: never
    /// weight); one is used only when it beats unweighted calibration on the newest third of the rows by
    /// <see cref="CalibrationRecencyStandardErrors"/> standard errors.
    /// </summary>
    public IReadOnlyList<double> CalibrationHalfLives { get; set; } = [1, 0.5, 0.25];

    /// <summary>How clearly (standard errors of the paired log-loss difference) a half-life must win to be used.</summary>
    [ConfigurationKeyName("TRUST_CALIBRATION_RECENCY_SE")]
    [Range(0.0, 10.0)]
    public double CalibrationRecencyStandardErrors { get; set; } = 2;

    /// <summary>The share of training proposals the anomaly flag marks.</summary>
    [ConfigurationKeyName("TRUST_ANOMALY_CONTAMINATION")]
    [Range(0.0001, 0.5)]
    public double Contamination { get; set; } = 0.01;

    /// <summary>The cold-start probability of success: 0.5 says "unknown", so no stage treats a cold scope as safe.</summary>
    [ConfigurationKeyName("TRUST_SUCCESS_PRIOR")]
    [Range(0.0, 1.0)]
    public double SuccessPrior { get; set; } = 0.5;

    [ConfigurationKeyName("TRUST_RETRAIN_NEW_EVENTS")]
    [Range(1, 10_000_000)]
    public int RetrainNewEvents { get; set; } = 500;

    [ConfigurationKeyName("TRUST_RETRAIN_MAX_AGE_HOURS")]
    [Range(0.01, 24 * 365)]
    public double RetrainMaxAgeHours { get; set; } = 24 * 7;

    [ConfigurationKeyName("TRUST_RETRAIN_PSI")]
    [Range(0.01, 10)]
    public double RetrainPsi { get; set; } = 0.25;

    public BoostedTreeSettings Trees { get; set; } = new();

    public FeatureLearningOptions Features { get; set; } = new();

    public AnomalyOptions Anomaly => new() { Contamination = Contamination };

    public RetrainPolicy Retrain => new()
    {
        MinEventsForFirstTraining = MinExamples,
        NewEvents = RetrainNewEvents,
        MaxAge = TimeSpan.FromHours(RetrainMaxAgeHours),
        PsiThreshold = RetrainPsi,
    };
}
