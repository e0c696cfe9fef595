using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;

namespace ControlTower.Server.Trust.Learning;

/// <summary>The three kinds of trust model.</summary>
internal static class TrustModelKinds
{
    public const string Approval = "approval";
    public const string Outcome = "outcome";
    public const string Anomaly = "anomaly";
}

/// <summary>What a model was trained on: how the rows were selected, how many, and the SHA-256 of the rows in order.</summary>
internal sealed record TrustDatasetManifest(string Query, int Rows, string RowsHash);

/// <summary>How much a feature mattered on held-out data: the mean absolute contribution.</summary>
internal sealed record FeatureImportance(string Feature, double Importance);

/// <summary>
/// Held-out quality of a model. For the predictors: AUC of the raw score, and Brier, ECE and reliability bins of the
/// calibrated probability (cross-fitted: the calibrator never saw the rows it is scored on). For the detector: its
/// flag threshold at the configured contamination.
/// </summary>
internal sealed record TrustModelMetrics(
    int TrainingRows,
    int HeldOutRows,
    double? Auc,
    double? Brier,
    double? Ece,
    string? Calibration,
    IReadOnlyList<ReliabilityBin> Reliability,
    IReadOnlyList<FeatureImportance> Importances,
    double? Threshold,
    double? Contamination,
    ChosenTrees? Trees = null,
    CalibrationRecency? Recency = null);

/// <summary>
/// The tree shape cross-fitting chose for a predictor (leaves per tree, number of trees), the out-of-fold log loss of
/// each candidate, and the features the trees were kept from.
/// </summary>
internal sealed record ChosenTrees(int Leaves, int Trees, double LearningRate, IReadOnlyList<TreeCandidate> Candidates, IReadOnlyList<string> HeldOutFeatures);

/// <summary>A candidate's best tree count and its out-of-fold log loss there (after a Platt fit).</summary>
internal sealed record TreeCandidate(int Leaves, int Trees, double LogLoss);

/// <summary>
/// The recency weighting of the calibrator: the half-life of its example weights in hours (null: every row weighs the
/// same) and the log loss on the newest third of the rows of each half-life tried (null: unweighted).
/// </summary>
internal sealed record CalibrationRecency(double? HalfLifeHours, IReadOnlyList<RecencyCandidate> Candidates);

/// <summary>A half-life tried (null: unweighted) and its log loss on the newest rows.</summary>
internal sealed record RecencyCandidate(double? HalfLifeHours, double LogLoss);

/// <summary>A model's identity and provenance; stored with its bytes and readable without loading it.</summary>
internal sealed record TrustModelManifest(
    string Kind,
    string Scope,
    string Version,
    DateTimeOffset TrainedAt,
    int Seed,
    string FeatureConfigHash,
    TrustDatasetManifest Dataset,
    TrustModelMetrics Metrics,
    string Library);

/// <summary>
/// A trained model that serializes to bytes (UTF-8 JSON: the manifest, the feature configuration, the drift baseline and
/// the model itself) and loads back from them. Equal training input and seed give equal bytes.
/// </summary>
internal abstract class TrustModel
{
    internal const string Format = "controltower.trust-model/1";
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private protected TrustModel(TrustModelManifest manifest, TrustFeatureConfig features, DriftBaseline drift)
    {
        Manifest = manifest;
        Features = features;
        Drift = drift;
    }

    public TrustModelManifest Manifest { get; }

    public TrustFeatureConfig Features { get; }

    /// <summary>The training distribution of each feature, to measure drift against (<see cref="DriftBaseline.Measure"/>).</summary>
    public DriftBaseline Drift { get; }

    public string Version => Manifest.Version;

    public byte[] ToBytes()
    {
        var document = new JsonObject
        {
            ["format"] = Format,
            ["manifest"] = JsonSerializer.SerializeToNode(Manifest, Json),
            ["features"] = JsonNode.Parse(Features.ToJson()),
            ["drift"] = JsonSerializer.SerializeToNode(Drift, Json),
            ["model"] = ModelNode(),
        };
        return Encoding.UTF8.GetBytes(document.ToJsonString());
    }

    /// <summary>Reads the manifest only (for listings).</summary>
    public static TrustModelManifest ReadManifest(byte[] bytes) => Read(bytes).Manifest;

    /// <summary>Loads any kind of trust model from its bytes.</summary>
    public static TrustModel Load(byte[] bytes)
    {
        var (document, manifest) = Read(bytes);
        try
        {
            var features = TrustFeatureConfig.FromJson((document["features"] ?? throw new TrustModelException("The model has no feature configuration.")).ToJsonString());
            if (features.Hash != manifest.FeatureConfigHash)
            {
                throw new TrustModelException($"Model {manifest.Version}: its feature configuration hashes to {features.Hash}, the manifest says {manifest.FeatureConfigHash}.");
            }

            var drift = document["drift"].Deserialize<DriftBaseline>(Json) ?? throw new TrustModelException("The model has no drift baseline.");
            var model = document["model"] ?? throw new TrustModelException("The model has no body.");
            return manifest.Kind switch
            {
                TrustModelKinds.Approval or TrustModelKinds.Outcome => TreeTrustModel.FromNode(manifest, features, drift, model),
                TrustModelKinds.Anomaly => new AnomalyTrustModel(manifest, features, drift, AnomalyDetector.FromJson(features, model.ToJsonString())),
                _ => throw new TrustModelException($"Unknown model kind '{manifest.Kind}'."),
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new TrustModelException($"Model {manifest.Version} cannot be read: {e.Message}", e);
        }
    }

    private protected abstract JsonNode ModelNode();

    private static (JsonObject Document, TrustModelManifest Manifest) Read(byte[] bytes)
    {
        try
        {
            var document = JsonNode.Parse(bytes) as JsonObject ?? throw new TrustModelException("Model bytes are not a JSON object.");
            if (document["format"]?.GetValue<string>() != Format)
            {
                throw new TrustModelException($"Model bytes are not in the {Format} format.");
            }

            var manifest = document["manifest"].Deserialize<TrustModelManifest>(Json) ?? throw new TrustModelException("The model has no manifest.");
            return (document, manifest);
        }
        catch (JsonException e)
        {
            throw new TrustModelException($"Model bytes are not valid JSON: {e.Message}", e);
        }
    }
}

/// <summary>An approval or outcome predictor: boosted trees, a calibrator and the explanation of each prediction.</summary>
internal sealed class TreeTrustModel : TrustModel
{
    private const int TopContributions = 5;

    internal TreeTrustModel(TrustModelManifest manifest, TrustFeatureConfig features, DriftBaseline drift, IReadOnlyList<FastTreeScorer> folds, int treesPerFold, ProbabilityCalibrator calibrator)
        : base(manifest, features, drift)
    {
        Folds = folds;
        TreesPerFold = treesPerFold;
        Calibrator = calibrator;
        _ensemble = TreeEnsemble.Average([.. folds.Select(f => f.Ensemble.Take(treesPerFold))]);
    }

    private readonly TreeEnsemble _ensemble;

    public ProbabilityCalibrator Calibrator { get; }

    /// <summary>The cross-fitted models, each trained without one time block; the predictor serves their mean score.</summary>
    internal IReadOnlyList<FastTreeScorer> Folds { get; }

    /// <summary>How many of each fold model's trees are used (cross-fitting chose it).</summary>
    internal int TreesPerFold { get; }

    /// <summary>The calibrated probability, and the top features in probability units ("quantity 30 (+0.12)").</summary>
    public TrustPrediction Predict(FeatureRow row, float[] slots)
    {
        var (score, contributions) = _ensemble.ScoreWithContributions(slots);
        var probability = Calibrator.Calibrate(score);
        return new TrustPrediction(probability, Version, false, Explain(row, score, probability, contributions));
    }

    /// <summary>The raw score only (for evaluation and calibration).</summary>
    public double RawScore(float[] slots) => _ensemble.Score(slots);

    internal static TreeTrustModel FromNode(TrustModelManifest manifest, TrustFeatureConfig features, DriftBaseline drift, JsonNode model)
    {
        var calibrator = model["calibrator"].Deserialize<ProbabilityCalibrator>(Json) ?? throw new TrustModelException("The model has no calibrator.");
        var folds = (model["folds"] as JsonArray ?? throw new TrustModelException("The model has no trees."))
            .Select(f => FastTreeScorer.Load(Convert.FromBase64String(f!.GetValue<string>()), features.SlotCount, manifest.Seed))
            .ToList();
        var trees = model["trees"]?.GetValue<int>() ?? throw new TrustModelException("The model does not say how many trees it uses.");
        return folds.Count == 0 ? throw new TrustModelException("The model has no trees.") : new TreeTrustModel(manifest, features, drift, folds, trees, calibrator);
    }

    private protected override JsonNode ModelNode() => new JsonObject
    {
        ["calibrator"] = JsonSerializer.SerializeToNode(Calibrator, Json),
        ["trees"] = TreesPerFold,
        ["folds"] = new JsonArray([.. Folds.Select(f => (JsonNode)Convert.ToBase64String(f.Bytes))]),
    };

    /// <summary>
    /// ML.NET gives contributions to the raw score per slot; one-hot slots are summed back to their feature, and the
    /// total is spread in proportion over the probability change it makes: from the calibrated score without them to the
    /// calibrated score with them.
    /// </summary>
    private List<FeatureContribution> Explain(FeatureRow row, double score, double probability, float[] contributions)
    {
        var perFeature = new double[Features.Features.Count];
        for (var s = 0; s < contributions.Length; s++)
        {
            perFeature[Features.SlotFeature[s]] += contributions[s];
        }

        var total = perFeature.Sum();
        var scale = Math.Abs(total) > 1e-9
            ? (probability - Calibrator.Calibrate(score - total)) / total
            : (Calibrator.Calibrate(score + 0.01) - Calibrator.Calibrate(score - 0.01)) / 0.02;
        return [.. perFeature
            .Select((c, f) => (Contribution: c * scale, Feature: f))
            .Where(c => c.Contribution != 0)
            .OrderByDescending(c => Math.Abs(c.Contribution)).ThenBy(c => c.Feature)
            .Take(TopContributions)
            .Select(c => new FeatureContribution(Features.Features[c.Feature].Name, Features.Display(row, c.Feature), Math.Round(c.Contribution, 4)))];
    }
}

/// <summary>The anomaly detector as a stored model.</summary>
internal sealed class AnomalyTrustModel : TrustModel
{
    internal AnomalyTrustModel(TrustModelManifest manifest, TrustFeatureConfig features, DriftBaseline drift, AnomalyDetector detector)
        : base(manifest, features, drift)
    {
        Detector = detector;
    }

    public AnomalyDetector Detector { get; }

    public AnomalyPrediction Predict(TrustProposal proposal)
    {
        var score = Detector.Score(proposal);
        return new AnomalyPrediction(Math.Round(score.Score, 6), score.Anomalous, Version, false, score.Contributions);
    }

    private protected override JsonNode ModelNode() => JsonNode.Parse(Detector.ToJson())!;
}
