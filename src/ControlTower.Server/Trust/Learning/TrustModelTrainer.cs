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
    public static TrustModelSet Load(IEnumerable<byte[]> models) => Of(models.Select(TrustModel.Load));

    /// <summary>The set of loaded models (any order, any kinds; a later model of the same kind replaces an earlier one).</summary>
    public static TrustModelSet Of(IEnumerable<TrustModel> models) =>
        models.Aggregate(Empty, (set, model) => model switch
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
/// calibrator (Platt or isotonic, weighted towards recent rows when that predicts the newest rows clearly better) and
/// give the held-out AUC, Brier and ECE. The served predictor is the mean of the block models.
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

        var heldOut = HeldOut(ordered);
        var rows = indices.Select(i => EncodeForPredictor(context.Config, context.Rows[i], heldOut)).ToList();
        if (CrossFit(rows, labels, context.Request.Seed, heldOut) is not { } search)
        {
            skipped.Add($"{kind}: a cross-fitting block leaves only one class to train on");
            return null;
        }

        var times = indices.Select(i => ordered[i].Proposal.At).ToList();
        var recency = RecencyWeights.ChooseForCalibration(search.OutOfFold, labels, times, settings.CalibrationHalfLives, standardErrors: settings.CalibrationRecencyStandardErrors);
        var weights = recency.HalfLife is { } halfLife ? RecencyWeights.Compute(times, times[^1], halfLife) : null;
        var (calibrator, crossFitted) = ProbabilityCalibrator.Choose(search.OutOfFold, labels, weights);
        var metrics = new TrustModelMetrics(
            rows.Count,
            rows.Count,
            Math.Round(TrustMetrics.Auc(search.OutOfFold, labels), 6),
            Math.Round(TrustMetrics.Brier(crossFitted, labels), 6),
            Math.Round(TrustMetrics.Ece(crossFitted, labels), 6),
            calibrator.Method,
            TrustMetrics.Reliability(crossFitted, labels),
            Importance(context.Config, search.Contributions),
            null,
            null,
            search.Chosen,
            new CalibrationRecency(Hours(recency.HalfLife), [.. recency.Candidates.Select(c => new RecencyCandidate(Hours(c.HalfLife), Math.Round(c.LogLoss, 6)))]));
        var manifest = Manifest(kind, [.. indices.Select(i => ordered[i])], context, metrics, Library);
        return new TreeTrustModel(manifest, context.Config, context.Drift, search.Folds, search.Chosen.Trees, calibrator);
    }

    private static double? Hours(TimeSpan? span) => span is { } s ? Math.Round(s.TotalHours, 3) : null;

    /// <summary>What cross-fitting chose, every row's out-of-fold score and slot contributions under that choice.</summary>
    private sealed record CrossFitResult(ChosenTrees Chosen, FastTreeScorer[] Folds, double[] OutOfFold, List<float[]> Contributions);

    /// <summary>
    /// Cross-fits over contiguous time blocks: for each leaf count, each block is scored by trees trained on the others,
    /// at every <see cref="BoostedTreeSettings.TreeStep"/>-th tree count; the (leaves, trees) whose out-of-fold scores,
    /// Platt-scaled, have the lowest log loss wins. Null when a block leaves one class only.
    /// </summary>
    private CrossFitResult? CrossFit(List<float[]> rows, List<bool> labels, int seed, IEnumerable<string> heldOut)
    {
        var settings = options.Value.Trees;
        var folds = options.Value.CalibrationFolds;
        var steps = (settings.Trees + settings.TreeStep - 1) / settings.TreeStep;
        var candidates = new List<(TreeCandidate Candidate, FastTreeScorer[] Models, double[] Scores)>();
        foreach (var leaves in settings.LeafCandidates)
        {
            var models = new FastTreeScorer[folds];
            var prefixes = new double[rows.Count, steps];
            for (var fold = 0; fold < folds; fold++)
            {
                var (from, to) = Block(fold, folds, rows.Count);
                var trainLabels = labels[..from].Concat(labels[to..]).ToList();
                if (trainLabels.Distinct().Count() < 2)
                {
                    return null;
                }

                var trainRows = rows[..from].Concat(rows[to..]).ToList();
                models[fold] = FastTreeScorer.Train(trainRows, trainLabels, Settings(trainRows.Count) with { Leaves = leaves }, seed);
                var scores = new double[steps];
                for (var i = from; i < to; i++)
                {
                    models[fold].Ensemble.ScorePrefixes(rows[i], settings.TreeStep, scores);
                    for (var k = 0; k < steps; k++)
                    {
                        prefixes[i, k] = scores[k];
                    }
                }
            }

            var (best, loss) = Enumerable.Range(0, steps)
                .Select(k => (Step: k, Loss: PlattLogLoss([.. Enumerable.Range(0, rows.Count).Select(i => prefixes[i, k])], labels)))
                .MinBy(c => c.Loss);
            candidates.Add((new TreeCandidate(leaves, Math.Min((best + 1) * settings.TreeStep, settings.Trees), Math.Round(loss, 6)), models,
                [.. Enumerable.Range(0, rows.Count).Select(i => prefixes[i, best])]));
        }

        var chosen = candidates.MinBy(c => c.Candidate.LogLoss);
        var contributions = new List<float[]>(rows.Count);
        for (var fold = 0; fold < folds; fold++)
        {
            var (from, to) = Block(fold, folds, rows.Count);
            contributions.AddRange(rows[from..to].Select(r => chosen.Models[fold].Ensemble.ScoreWithContributions(r, chosen.Candidate.Trees).Contributions));
        }

        return new CrossFitResult(
            new ChosenTrees(chosen.Candidate.Leaves, chosen.Candidate.Trees, settings.LearningRate, [.. candidates.Select(c => c.Candidate)], [.. heldOut.Order(StringComparer.Ordinal)]),
            chosen.Models,
            chosen.Scores,
            contributions);
    }

    private static (int From, int To) Block(int fold, int folds, int count) => (fold * count / folds, (fold + 1) * count / folds);

    /// <summary>Mean log loss of the scores after a Platt fit: how good they are as probabilities, whatever their scale.</summary>
    private static double PlattLogLoss(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var platt = ProbabilityCalibrator.FitPlatt(scores, labels);
        var loss = 0.0;
        for (var i = 0; i < scores.Count; i++)
        {
            var p = platt.Calibrate(scores[i]);
            loss -= Math.Log(labels[i] ? p : 1 - p);
        }

        return loss / scores.Count;
    }

    /// <summary>Small data gets leaves of at least 2% of the rows, so 500 rows do not overfit.</summary>
    private BoostedTreeSettings Settings(int rows)
    {
        var trees = options.Value.Trees;
        return trees with { MinimumExamplesPerLeaf = Math.Clamp(rows / 50, 5, trees.MinimumExamplesPerLeaf) };
    }

    /// <summary>
    /// Features the predictors do not learn from: those that only grow with time (<see cref="TrustFeatureConfig.TrendFeatures"/>:
    /// every later proposal lies past their training range, so a split on them only tells early rows from late ones), and
    /// the weekday when the examples span less than <see cref="TrustFeatureConfig.WeeklyPatternSpan"/> (a split on it would
    /// learn one-off days, and the cross-fitting's time blocks would each see different ones).
    /// </summary>
    private static HashSet<string> HeldOut(List<TrustExample> ordered)
    {
        var heldOut = new HashSet<string>(TrustFeatureConfig.TrendFeatures, StringComparer.Ordinal);
        if (ordered[^1].Proposal.At - ordered[0].Proposal.At < TrustFeatureConfig.WeeklyPatternSpan)
        {
            heldOut.Add(TrustFeatureConfig.WeekdayFeature);
        }

        return heldOut;
    }

    /// <summary>The slots a predictor learns from, the held-out features' slots at zero (so no tree splits on them).</summary>
    private static float[] EncodeForPredictor(TrustFeatureConfig config, FeatureRow row, HashSet<string> heldOut)
    {
        var slots = new float[config.SlotCount];
        config.Encode(row, slots);
        for (var s = 0; s < slots.Length; s++)
        {
            if (heldOut.Contains(config.Features[config.SlotFeature[s]].Name))
            {
                slots[s] = 0;
            }
        }

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
