using System.Diagnostics;
using System.Globalization;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;
using ControlTower.Server.Trust.Learning;
using Microsoft.Extensions.Options;

namespace ControlTower.Bench.Trust;

/// <summary>
/// <c>trust</c>: the learned trust models on seeded synthetic streams with known true probabilities. For each stream shape
/// and training size, train on the first N events, score the next <see cref="ScoreSize"/>, and print approval and outcome
/// AUC next to the Bayes-optimal AUC (the true probabilities scored against the same labels), ECE and Brier, anomaly
/// recall at 1% false positives on the injected anomalies, training time and prediction latency p50/p99.
/// Then the stage policy's stability on stationary streams (<see cref="StageStability"/>).
/// Options: <c>--sizes 500,2000,10000</c>, <c>--shapes stationary,noisy,drifting</c>, <c>--score N</c>, <c>--seed N</c>, <c>--stability-proposals N</c>.
/// </summary>
internal static class TrustScenarios
{
    private const int ScoreSize = 10_000;
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    public static int Run(string[] args)
    {
        var sizes = Option(args, "--sizes")?.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() ?? [500, 2_000, 10_000];
        var score = int.Parse(Option(args, "--score") ?? ScoreSize.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var seed = int.Parse(Option(args, "--seed") ?? "42", CultureInfo.InvariantCulture);
        Console.WriteLine($"trust models: train on N events, score the next {score}; seed {seed}; {Environment.ProcessorCount} cores");
        Console.WriteLine("| stream | N | approval AUC | Bayes | gap | approval ECE | Brier | outcome AUC | " +
            "Bayes | gap | outcome ECE | Brier | calibration, leaves×trees (a/o) | anomaly recall @1% FPR (n; extreme/unseen/combination) | train s | p50 µs | p99 µs |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var shapes = Option(args, "--shapes")?.Split(',') ?? [.. SyntheticShape.All.Select(s => s.Name)];
        foreach (var shape in SyntheticShape.All.Where(s => shapes.Contains(s.Name)))
        {
            foreach (var size in sizes)
            {
                Console.WriteLine(Row(shape, size, score, seed));
            }
        }

        Stability(int.Parse(Option(args, "--stability-proposals") ?? "10000", CultureInfo.InvariantCulture), seed);
        return 0;
    }

    /// <summary>Stationary scopes at different levels of reliability, from one that should settle at propose to one that should reach full_auto.</summary>
    internal static readonly StationaryScope[] StabilityScopes =
    [
        new("mediocre", 0.70, 0.85, TimeSpan.FromMinutes(5)),
        new("good", 0.93, 0.94, TimeSpan.FromMinutes(5)),
        new("strong", 0.96, 0.97, TimeSpan.FromMinutes(5)),
        new("borderline full", 0.98, 0.983, TimeSpan.FromMinutes(5)),
        new("excellent", 0.99, 0.995, TimeSpan.FromMinutes(5)),
    ];

    /// <summary>
    /// The stage policy on stationary streams (simulated with the real metrics and policy, default settings): where each
    /// scope settles, when, and how often it changes stage afterwards; then, from each automatic stage, how many
    /// consecutive failures it takes to demote.
    /// </summary>
    private static void Stability(int proposals, int seed)
    {
        var policy = TrustPolicy.Default;
        var window = new MetricsWindow(2000, TimeSpan.FromDays(30));
        Console.WriteLine();
        Console.WriteLine($"stage stability: stationary streams of {proposals} proposals (default policy, window 2000 events), seed {seed}");
        Console.WriteLine("| scope | approval | success | trust events | settled at | converged at proposal | changes after | per 1,000 proposals | all changes |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var scope in StabilityScopes)
        {
            var run = StageStability.Run(scope, proposals, (ulong)seed, policy, window, Start);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {scope.Name} | {scope.ApprovalRate:0.00} | {scope.SuccessRate:0.000} | {run.Events} | {run.SettledStage.Name()} | {run.ConvergedAt} | " +
                    $"{run.ChangesAfterConvergence} | {run.ChangesPer1000:0.00} | {string.Join(", ", run.Changes.Select(c => $"{c.Proposal}:{c.To.Name()}({c.Rule})"))} |"));
        }

        Console.WriteLine();
        Console.WriteLine("| demotion from | consecutive failures to demote | to | rule |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var stage in new[] { TrustStage.GuardedAuto, TrustStage.ConditionalAuto, TrustStage.FullAuto })
        {
            var run = StageStability.FailuresToDemote(StabilityScopes[^1], stage, proposals, 10, (ulong)seed, policy, window, Start);
            Console.WriteLine($"| {stage.Name()} | {run.FailuresToDemote?.ToString(CultureInfo.InvariantCulture) ?? "not reached / none"} | {run.To.Name()} | {run.Rule ?? "—"} |");
        }
    }

    private static string Row(SyntheticShape shape, int size, int scoreSize, int seed)
    {
        var events = SyntheticTrustStream.Generate(shape, size + scoreSize, (ulong)seed, Start);
        var train = events.Take(size).Select(e => e.Example).ToList();
        var scored = events.Skip(size).ToList();
        var options = Options.Create(new TrustLearningOptions());
        var clock = Stopwatch.StartNew();
        var models = new TrustModelTrainer(options).Train(train, new TrustTrainingRequest(seed, Start)).Models;
        var trainSeconds = clock.Elapsed.TotalSeconds;
        var predictor = new TrustPredictor(options);
        predictor.Use(models);

        var latencies = new double[scored.Count];
        var predictions = new TrustPredictions[scored.Count];
        for (var i = 0; i < scored.Count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            predictions[i] = predictor.Predict(scored[i].Example.Proposal);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        var approved = scored.Select(e => e.Example.Approved!.Value).ToArray();
        var approval = Quality([.. predictions.Select(p => p.Approval.Probability)], [.. scored.Select(e => e.TrueApproval)], approved);
        var ran = Enumerable.Range(0, scored.Count).Where(i => scored[i].Example.Succeeded is not null).ToList();
        var outcome = Quality([.. ran.Select(i => predictions[i].Success.Probability)], [.. ran.Select(i => scored[i].TrueSuccess)], [.. ran.Select(i => scored[i].Example.Succeeded!.Value)]);
        var normal = Enumerable.Range(0, scored.Count).Where(i => scored[i].Anomaly is null).Select(i => predictions[i].Anomaly.Score).Order().ToArray();
        var cut = normal[(int)Math.Ceiling(0.99 * normal.Length) - 1];
        var injected = Enumerable.Range(0, scored.Count).Where(i => scored[i].Anomaly is not null).ToList();
        var recall = injected.Count(i => predictions[i].Anomaly.Score > cut) / (double)injected.Count;
        var byKind = string.Join("/", new[] { "extreme", "unseen", "combination" }.Select(kind =>
        {
            var ofKind = injected.Where(i => scored[i].Anomaly == kind).ToList();
            return ofKind.Count == 0 ? "–" : (ofKind.Count(i => predictions[i].Anomaly.Score > cut) / (double)ofKind.Count).ToString("0.00", CultureInfo.InvariantCulture);
        }));
        Array.Sort(latencies);
        var calibration = $"{Shape(models.Approval)}/{Shape(models.Outcome)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {shape.Name} | {size} | {approval.Auc:0.000} | {approval.Bayes:0.000} | " +
            $"{approval.Bayes - approval.Auc:+0.000;-0.000} | {approval.Ece:0.000} | {approval.Brier:0.000} | {outcome.Auc:0.000} | " +
                $"{outcome.Bayes:0.000} | {outcome.Bayes - outcome.Auc:+0.000;-0.000} | {outcome.Ece:0.000} | {outcome.Brier:0.000} | {calibration} | {recall:0.00} ({injected.Count}; {byKind}) | " +
                $"{trainSeconds:0.0} | {latencies[latencies.Length / 2]:0} | {latencies[(int)(latencies.Length * 0.99)]:0} |");
    }

    /// <summary>
    /// The calibration (with its recency half-life when one was chosen) and the tree shape cross-fitting chose, e.g.
    /// <c>isotonic ½120h 2×300</c> (leaves × trees per fold model).
    /// </summary>
    private static string Shape(TreeTrustModel? model) =>
        model?.Manifest.Metrics.Trees is not { } trees
            ? "prior"
            : string.Create(CultureInfo.InvariantCulture, $"{model.Calibrator.Method}{(model.Manifest.Metrics.Recency?.HalfLifeHours is { } h ? $" ½{h:0}h" : "")} {trees.Leaves}×{trees.Trees}");

    private static (double Auc, double Bayes, double Ece, double Brier) Quality(double[] predicted, double[] truth, bool[] labels) =>
        (TrustMetrics.Auc(predicted, labels), TrustMetrics.Auc(truth, labels), TrustMetrics.Ece(predicted, labels), TrustMetrics.Brier(predicted, labels));

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
