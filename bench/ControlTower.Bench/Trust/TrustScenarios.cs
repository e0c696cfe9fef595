using System.Diagnostics;
using System.Globalization;
using ControlTower.Core.Trust.Learning;
using ControlTower.Server.Trust.Learning;
using Microsoft.Extensions.Options;

namespace ControlTower.Bench.Trust;

/// <summary>
/// <c>trust</c>: the learned trust models on seeded synthetic streams with known true probabilities. For each stream shape
/// and training size, train on the first N events, score the next <see cref="ScoreSize"/>, and print approval and outcome
/// AUC next to the Bayes-optimal AUC (the true probabilities scored against the same labels), ECE and Brier, anomaly
/// recall at 1% false positives on the injected anomalies, training time and prediction latency p50/p99.
/// Options: <c>--sizes 500,2000,10000</c>, <c>--shapes stationary,noisy,drifting</c>, <c>--score N</c>, <c>--seed N</c>.
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
        Console.WriteLine("| stream | N | approval AUC | Bayes | gap | approval ECE | Brier | outcome AUC | Bayes | gap | outcome ECE | Brier | calibration (a/o) | anomaly recall @1% FPR | train s | p50 µs | p99 µs |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var shapes = Option(args, "--shapes")?.Split(',') ?? [.. SyntheticShape.All.Select(s => s.Name)];
        foreach (var shape in SyntheticShape.All.Where(s => shapes.Contains(s.Name)))
        {
            foreach (var size in sizes)
            {
                Console.WriteLine(Row(shape, size, score, seed));
            }
        }

        return 0;
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
        var predictions = new Core.Trust.TrustPredictions[scored.Count];
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
        Array.Sort(latencies);
        var calibration = $"{models.Approval?.Calibrator.Method ?? "prior"}/{models.Outcome?.Calibrator.Method ?? "prior"}";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {shape.Name} | {size} | {approval.Auc:0.000} | {approval.Bayes:0.000} | {approval.Bayes - approval.Auc:+0.000;-0.000} | {approval.Ece:0.000} | {approval.Brier:0.000} | {outcome.Auc:0.000} | {outcome.Bayes:0.000} | {outcome.Bayes - outcome.Auc:+0.000;-0.000} | {outcome.Ece:0.000} | {outcome.Brier:0.000} | {calibration} | {recall:0.00} ({injected.Count}) | {trainSeconds:0.0} | {latencies[latencies.Length / 2]:0} | {latencies[(int)(latencies.Length * 0.99)]:0} |");
    }

    private static (double Auc, double Bayes, double Ece, double Brier) Quality(double[] predicted, double[] truth, bool[] labels) =>
        (TrustMetrics.Auc(predicted, labels), TrustMetrics.Auc(truth, labels), TrustMetrics.Ece(predicted, labels), TrustMetrics.Brier(predicted, labels));

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
