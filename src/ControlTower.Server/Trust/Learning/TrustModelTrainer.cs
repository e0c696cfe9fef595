using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Trust.Learning;

/// <summary>What to train from and how to label the result. The training time is passed in, never read from a clock here.</summary>
internal sealed record TrustTrainingRequest(int Seed, DateTimeOffset TrainedAt, string Query = "all trust events", string Scope = "global");

/// <summary>The models of one training; a kind is null when there was not enough data for it (its predictions stay cold-start).</summary>
internal sealed record TrustModelSet(TreeTrustModel? Approval, TreeTrustModel? Outcome, AnomalyTrustModel? Anomaly)
{
    public static readonly TrustModelSet Empty = new(null, null, null);

    public IEnumerable<TrustModel> All => new TrustModel?[] { Approval, Outcome, Anomaly }.OfType<TrustModel>();

    /// <summary>The set from stored model bytes (any order, any kinds; a later model of the same kind replaces an earlier one).</summary>
    public static TrustModelSet Load(IEnumerable<byte[]> models) =>
        models.Select(TrustModel.Load).Aggregate(Empty, (set, model) => model switch
        {
            AnomalyTrustModel anomaly => set with { Anomaly = anomaly },
            TreeTrustModel tree when tree.Manifest.Kind == TrustModelKinds.Approval => set with { Approval = tree },
            TreeTrustModel tree => set with { Outcome = tree },
            _ => set,
        });
}

/// <summary>The models trained, and for each kind left out, why.</summary>
internal sealed record TrustTrainingResult(TrustModelSet Models, IReadOnlyList<string> Skipped);

/// <summary>
/// Trains the approval and outcome predictors and the anomaly detector from labelled examples (their histories already
/// computed, e.g. by <see cref="ScopeHistoryBuilder"/>). Pure apart from ML.NET's in-memory work: same examples, same
/// request → same bytes. Each predictor is cross-fitted over <see cref="TrustLearningOptions.CalibrationFolds"/>
/// contiguous time blocks: every row is scored by trees that never saw it; those out-of-fold scores choose and fit the
/// calibrator (Platt or isotonic) and give the held-out AUC, Brier and ECE. The served trees are then fit on all rows.
/// </summary>
internal sealed class TrustModelTrainer(IOptions<TrustLearningOptions> options)
{
    private const string Library = "Microsoft.ML.FastTree 6.0.0";
    private const int Importances = 15;

    public TrustTrainingResult Train(IReadOnlyList<TrustExample> examples, TrustTrainingRequest request)
    {
        var settings = options.Value;
        var ordered = examples.OrderBy(e => e.Proposal.At).ToList();
        var skipped = new List<string>();
        if (ordered.Count == 0)
        {
            return new TrustTrainingResult(TrustModelSet.Empty, ["no examples"]);
        }

        var config = TrustFeatureConfig.Learn(ordered, settings.Features);
        var proposals = ordered.Select(e => e.Proposal).ToList();
        var context = new TrainingContext(request, config, DriftBaseline.Learn(config, proposals), ordered.Select(e => config.Extract(e.Proposal)).ToList());
        var approval = TrainPredictor(TrustModelKinds.Approval, ordered, e => e.Approved, context, skipped);
        var outcome = TrainPredictor(TrustModelKinds.Outcome, ordered, e => e.Succeeded, context, skipped);
        AnomalyTrustModel? anomaly = null;
        if (ordered.Count < settings.MinAnomalyExamples)
        {
            skipped.Add($"{TrustModelKinds.Anomaly}: {ordered.Count} proposals < {settings.MinAnomalyExamples}");
        }
        else
        {
            var detector = AnomalyDetector.Train(config, proposals, settings.Anomaly, (ulong)request.Seed);
            var metrics = new TrustModelMetrics(ordered.Count, 0, null, null, null, null, [], [], detector.Threshold, settings.Anomaly.Contamination);
            anomaly = new AnomalyTrustModel(Manifest(TrustModelKinds.Anomaly, ordered, context, metrics, "isolation forest (ControlTower.Core)"), config, context.Drift, detector);
        }

        return new TrustTrainingResult(new TrustModelSet(approval, outcome, anomaly), skipped);
    }

    private TreeTrustModel? TrainPredictor(string kind, List<TrustExample> ordered, Func<TrustExample, bool?> label, TrainingContext context, List<string> skipped)
    {
        var settings = options.Value;
        var indices = Enumerable.Range(0, ordered.Count).Where(i => label(ordered[i]) is not null).ToList();
        var labels = indices.Select(i => label(ordered[i])!.Value).ToList();
        var minority = Math.Min(labels.Count(l => l), labels.Count(l => !l));
        if (indices.Count < settings.MinExamples || minority < settings.MinPerClass)
        {
            skipped.Add($"{kind}: {indices.Count} labelled examples ({minority} in the smaller class); needs {settings.MinExamples} and {settings.MinPerClass}");
            return null;
        }

        var rows = indices.Select(i => Encode(context.Config, context.Rows[i])).ToList();
        var folds = settings.CalibrationFolds;
        var outOfFold = new double[rows.Count];
        var contributions = new List<float[]>();
        for (var fold = 0; fold < folds; fold++)
        {
            int from = fold * rows.Count / folds, to = (fold + 1) * rows.Count / folds;
            var trainRows = rows[..from].Concat(rows[to..]).ToList();
            var trainLabels = labels[..from].Concat(labels[to..]).ToList();
            if (trainLabels.Distinct().Count() < 2)
            {
                skipped.Add($"{kind}: a calibration fold has only one class");
                return null;
            }

            var foldTrees = FastTreeScorer.Train(trainRows, trainLabels, Settings(trainRows.Count), context.Request.Seed);
            for (var i = from; i < to; i++)
            {
                var (score, slotContributions) = foldTrees.ScoreWithContributions(rows[i]);
                outOfFold[i] = score;
                contributions.Add(slotContributions);
            }
        }

        var trees = FastTreeScorer.Train(rows, labels, Settings(rows.Count), context.Request.Seed);
        var (calibrator, crossFitted) = ProbabilityCalibrator.Choose(outOfFold, labels);
        var metrics = new TrustModelMetrics(
            rows.Count,
            rows.Count,
            Math.Round(TrustMetrics.Auc(outOfFold, labels), 6),
            Math.Round(TrustMetrics.Brier(crossFitted, labels), 6),
            Math.Round(TrustMetrics.Ece(crossFitted, labels), 6),
            calibrator.Method,
            TrustMetrics.Reliability(crossFitted, labels),
            Importance(context.Config, contributions),
            null,
            null);
        var manifest = Manifest(kind, [.. indices.Select(i => ordered[i])], context, metrics, Library);
        return new TreeTrustModel(manifest, context.Config, context.Drift, trees, calibrator);
    }

    /// <summary>Small data gets leaves of at least 2% of the rows, so 500 rows do not overfit.</summary>
    private BoostedTreeSettings Settings(int rows)
    {
        var trees = options.Value.Trees;
        return trees with { MinimumExamplesPerLeaf = Math.Clamp(rows / 50, 5, trees.MinimumExamplesPerLeaf) };
    }

    private static float[] Encode(TrustFeatureConfig config, FeatureRow row)
    {
        var slots = new float[config.SlotCount];
        config.Encode(row, slots);
        return slots;
    }

    private static List<FeatureImportance> Importance(TrustFeatureConfig config, List<float[]> contributions)
    {
        var perFeature = new double[config.Features.Count];
        foreach (var row in contributions)
        {
            for (var s = 0; s < row.Length; s++)
            {
                perFeature[config.SlotFeature[s]] += Math.Abs(row[s]) / contributions.Count;
            }
        }

        return [.. perFeature
            .Select((v, f) => new FeatureImportance(config.Features[f].Name, Math.Round(v, 6)))
            .Where(i => i.Importance > 0)
            .OrderByDescending(i => i.Importance).ThenBy(i => i.Feature, StringComparer.Ordinal)
            .Take(Importances)];
    }

    private static TrustModelManifest Manifest(string kind, List<TrustExample> rows, TrainingContext context, TrustModelMetrics metrics, string library)
    {
        var request = context.Request;
        var rowsHash = RowsHash(rows);
        var identity = SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}|{request.Scope}|{request.Seed}|{context.Config.Hash}|{rowsHash}"));
        var version = $"{kind}-{request.TrainedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(identity)[..8]}";
        return new TrustModelManifest(kind, request.Scope, version, request.TrainedAt, request.Seed, context.Config.Hash,
            new TrustDatasetManifest(request.Query, rows.Count, rowsHash), metrics, library);
    }

    /// <summary>SHA-256 over every row (id, scope, time, context, labels) in training order.</summary>
    internal static string RowsHash(IEnumerable<TrustExample> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var row in rows)
        {
            var p = row.Proposal;
            var line = $"{row.Id}\u001f{p.Scope.Key}\u001f{p.At.ToString("O", CultureInfo.InvariantCulture)}\u001f{p.Context.ToJsonString()}\u001f{row.Approved}\u001f{row.Succeeded}\n";
            hash.AppendData(Encoding.UTF8.GetBytes(line));
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed record TrainingContext(TrustTrainingRequest Request, TrustFeatureConfig Config, DriftBaseline Drift, List<FeatureRow> Rows);
}
