using System.Text.Json.Nodes;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;
using ControlTower.Server.Trust.Learning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Tests.Trust.Learning;

/// <summary>Training the three trust models on a synthetic stream through the real ML.NET seam.</summary>
public sealed class TrustModelTrainerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset TrainedAt = new(2026, 2, 1, 12, 0, 0, TimeSpan.Zero);

    private static TrustModelTrainer Trainer() => new(Options.Create(new TrustLearningOptions()));

    private static IReadOnlyList<SyntheticEvent> Stream(int count, ulong seed = 7) =>
        SyntheticTrustStream.Generate(SyntheticShape.Stationary, count, seed, Start);

    [Fact]
    public void Train_WhenSameExamplesAndSeed_GivesTheSameBytesAndPredictions()
    {
        var events = Stream(1200);
        var examples = events.Select(e => e.Example).ToList();

        var first = Trainer().Train(examples, new TrustTrainingRequest(11, TrainedAt)).Models;
        var second = Trainer().Train(examples, new TrustTrainingRequest(11, TrainedAt)).Models;

        Assert.Equal(3, first.All.Count());
        foreach (var (a, b) in first.All.Zip(second.All))
        {
            Assert.Equal(a.Version, b.Version);
            Assert.Equal(a.ToBytes(), b.ToBytes());
        }

        var one = new TrustPredictor(Options.Create(new TrustLearningOptions()));
        var two = new TrustPredictor(Options.Create(new TrustLearningOptions()));
        one.Use(first);
        two.Use(TrustModelSet.Load(second.All.Select(m => m.ToBytes())));
        foreach (var e in events.Take(50))
        {
            Assert.Equal(one.Predict(e.Example.Proposal), two.Predict(e.Example.Proposal), PredictionComparer.Instance);
        }
    }

    [Fact]
    public void Train_WhenSeedDiffers_GivesDifferentModels()
    {
        var examples = Stream(800).Select(e => e.Example).ToList();

        var a = Trainer().Train(examples, new TrustTrainingRequest(1, TrainedAt)).Models;
        var b = Trainer().Train(examples, new TrustTrainingRequest(2, TrainedAt)).Models;

        Assert.NotEqual(a.Anomaly!.ToBytes(), b.Anomaly!.ToBytes());
        Assert.NotEqual(a.Approval!.Version, b.Approval!.Version);
    }

    [Fact]
    public void Train_WhenEnoughData_RecordsManifestAndHeldOutMetrics()
    {
        var events = Stream(2000);
        var examples = events.Select(e => e.Example).ToList();

        var models = Trainer().Train(examples, new TrustTrainingRequest(3, TrainedAt, "events before 2026-02-01")).Models;
        var approval = models.Approval!.Manifest;

        Assert.Equal(TrustModelKinds.Approval, approval.Kind);
        Assert.Equal("global", approval.Scope);
        Assert.Equal(TrainedAt, approval.TrainedAt);
        Assert.Equal(3, approval.Seed);
        Assert.Equal(models.Approval.Features.Hash, approval.FeatureConfigHash);
        Assert.Equal(2000, approval.Dataset.Rows);
        Assert.Equal("events before 2026-02-01", approval.Dataset.Query);
        Assert.StartsWith("sha256:", approval.Dataset.RowsHash, StringComparison.Ordinal);
        Assert.Equal(2000, approval.Metrics.HeldOutRows);
        Assert.InRange(approval.Metrics.Auc!.Value, 0.6, 1);
        Assert.InRange(approval.Metrics.Ece!.Value, 0, 0.1);
        Assert.Contains(approval.Metrics.Calibration, new[] { ProbabilityCalibrator.Platt, ProbabilityCalibrator.Isotonic });
        Assert.NotEmpty(approval.Metrics.Importances);
        Assert.True(models.Outcome!.Manifest.Dataset.Rows < 2000, "the outcome model learns from executed actions only");
        Assert.Equal(TrustModel.ReadManifest(models.Outcome.ToBytes()), models.Outcome.Manifest, ManifestComparer.Instance);
    }

    [Fact]
    public void Predict_WhenTrainedOn2000Events_RanksNewEventsCloseToTheBayesOptimum()
    {
        var events = Stream(4000, seed: 8);
        var fresh = events.Skip(2000).ToList();
        var predictor = new TrustPredictor(Options.Create(new TrustLearningOptions()));
        predictor.Use(Trainer().Train([.. events.Take(2000).Select(e => e.Example)], new TrustTrainingRequest(5, TrainedAt)).Models);

        var predicted = fresh.Select(e => predictor.Predict(e.Example.Proposal).Approval.Probability).ToList();
        var labels = fresh.Select(e => e.Example.Approved!.Value).ToList();
        var bayes = TrustMetrics.Auc([.. fresh.Select(e => e.TrueApproval)], labels);

        Assert.InRange(TrustMetrics.Auc(predicted, labels), bayes - 0.05, 1);
        Assert.InRange(TrustMetrics.Ece(predicted, labels), 0, 0.06);
    }

    [Fact]
    public void Train_WhenTheApprovalRateFalls_WeightsTheCalibratorTowardsRecentRowsDeterministically()
    {
        // The second half of the stream has half of its approvals turned into rejections, every other one in order.
        var examples = Stream(1500, seed: 9).Select((e, i) => i >= 750 && e.Example.Approved == true && i % 2 == 0
            ? e.Example with { Approved = false, Succeeded = null }
            : e.Example).ToList();
        var recentRate = examples.Skip(1200).Average(e => e.Approved == true ? 1.0 : 0);
        var overallRate = examples.Average(e => e.Approved == true ? 1.0 : 0);

        var first = Trainer().Train(examples, new TrustTrainingRequest(4, TrainedAt)).Models;
        var second = Trainer().Train(examples, new TrustTrainingRequest(4, TrainedAt)).Models;

        var recency = first.Approval!.Manifest.Metrics.Recency!;
        Assert.NotNull(recency.HalfLifeHours);
        Assert.Equal(4, recency.Candidates.Count);
        Assert.Null(recency.Candidates[0].HalfLifeHours);
        Assert.Equal(first.Approval.ToBytes(), second.Approval!.ToBytes());
        var predictor = new TrustPredictor(Options.Create(new TrustLearningOptions()));
        predictor.Use(first);
        var meanPredicted = examples.Skip(1200).Average(e => predictor.Predict(e.Proposal).Approval.Probability);
        Assert.True(Math.Abs(meanPredicted - recentRate) < Math.Abs(meanPredicted - overallRate),
            $"predictions on the newest rows ({meanPredicted:0.000}) follow their rate ({recentRate:0.000}), not the whole stream's ({overallRate:0.000})");
    }

    [Fact]
    public void Train_WhenStationary_KeepsTheCalibratorUnweighted()
    {
        var models = Trainer().Train([.. Stream(2000).Select(e => e.Example)], new TrustTrainingRequest(3, TrainedAt)).Models;

        Assert.Null(models.Approval!.Manifest.Metrics.Recency!.HalfLifeHours);
        Assert.Equal(4, models.Approval.Manifest.Metrics.Recency.Candidates.Count);
    }

    [Fact]
    public void Predict_WhenNoModels_UsesDocumentedPriorsMarkedColdStart()
    {
        var predictor = new TrustPredictor(Options.Create(new TrustLearningOptions { SuccessPrior = 0.5 }));
        var proposal = new TrustProposal(new TrustScope("t1", "s1", "refill", "pharmacy.dispense", "pharmacist"),
            new JsonObject { ["quantity"] = 30 }, Start, new ScopeHistory(8, 0.75, 2, null));

        var cold = predictor.Predict(proposal);

        Assert.True(cold.Approval.ColdStart && cold.Success.ColdStart && cold.Anomaly.ColdStart);
        Assert.Equal((6 + 1) / 10.0, cold.Approval.Probability, 10);
        Assert.Equal(0.5, cold.Success.Probability);
        Assert.False(cold.Anomaly.Anomalous);
        Assert.Equal(TrustPredictor.ApprovalPriorVersion, cold.Approval.ModelVersion);
        Assert.Equal(0.5, predictor.Predict(proposal with { History = new ScopeHistory(0, null, 0, null) }).Approval.Probability);
    }

    [Fact]
    public void Train_WhenTooFewExamples_LeavesTheKindColdAndSaysWhy()
    {
        var examples = Stream(150).Select(e => e.Example).ToList();

        var result = Trainer().Train(examples, new TrustTrainingRequest(1, TrainedAt));
        var predictor = new TrustPredictor(Options.Create(new TrustLearningOptions()));
        predictor.Use(result.Models);

        Assert.Null(result.Models.Approval);
        Assert.Null(result.Models.Outcome);
        Assert.NotNull(result.Models.Anomaly);
        Assert.Contains(result.Skipped, s => s.StartsWith("approval: 150 labelled examples", StringComparison.Ordinal));
        var prediction = predictor.Predict(examples[^1].Proposal);
        Assert.True(prediction.Approval.ColdStart);
        Assert.False(prediction.Anomaly.ColdStart);
    }

    [Fact]
    public void Predict_WhenTrained_ExplainsWithNamedFeaturesAndValues()
    {
        var events = Stream(2000);
        var predictor = new TrustPredictor(Options.Create(new TrustLearningOptions()));
        predictor.Use(Trainer().Train([.. events.Select(e => e.Example)], new TrustTrainingRequest(5, TrainedAt)).Models);
        var risky = events.First(e => e.Example.Proposal.Context["interactionFlag"]!.GetValue<bool>()).Example.Proposal;

        var prediction = predictor.Predict(risky);

        Assert.False(prediction.Approval.ColdStart);
        Assert.StartsWith("approval-20260201T120000Z-", prediction.Approval.ModelVersion, StringComparison.Ordinal);
        Assert.InRange(prediction.Approval.TopContributions.Count, 1, 5);
        var interaction = Assert.Single(prediction.Approval.TopContributions, c => c.Feature == "interactionFlag");
        Assert.Equal("true", interaction.Value);
        Assert.True(interaction.Contribution < 0, "a drug interaction lowers the chance of approval");
    }

    [Fact]
    public void Load_WhenBytesAreNotAModel_ThrowsModelInvalid()
    {
        var error = Assert.Throws<TrustModelException>(() => TrustModel.Load("{\"format\":\"something else\"}"u8.ToArray()));

        Assert.Equal(TrustLearningErrorCodes.ModelInvalid, error.Code);
    }

    [Fact]
    public void AddTrustLearning_WhenConfigured_BindsTheFlatKeysAndServesOnePredictor()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TRUST_MODEL_SEED"] = "7",
            ["TRUST_SUCCESS_PRIOR"] = "0.3",
        }).Build();
        using var provider = new ServiceCollection().AddTrustLearning(configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<TrustLearningOptions>>().Value;

        Assert.Equal(7, options.Seed);
        Assert.Same(provider.GetRequiredService<TrustPredictor>(), provider.GetRequiredService<ITrustPredictor>());
        Assert.Equal(0.3, provider.GetRequiredService<ITrustPredictor>().Predict(
            new TrustProposal(new TrustScope("t", "s", "q", "a", "r"), [], Start, new ScopeHistory(0, null, 0, null))).Success.Probability);
    }

    private sealed class PredictionComparer : IEqualityComparer<TrustPredictions>
    {
        public static readonly PredictionComparer Instance = new();

        public bool Equals(TrustPredictions? x, TrustPredictions? y) =>
            x!.Approval.Probability == y!.Approval.Probability && x.Success.Probability == y.Success.Probability
            && x.Anomaly.Score == y.Anomaly.Score && x.Approval.TopContributions.SequenceEqual(y.Approval.TopContributions);

        public int GetHashCode(TrustPredictions obj) => 0;
    }

    private sealed class ManifestComparer : IEqualityComparer<TrustModelManifest>
    {
        public static readonly ManifestComparer Instance = new();

        public bool Equals(TrustModelManifest? x, TrustModelManifest? y) =>
            x!.Version == y!.Version && x.Dataset == y.Dataset && x.Metrics.Auc == y.Metrics.Auc && x.FeatureConfigHash == y.FeatureConfigHash;

        public int GetHashCode(TrustModelManifest obj) => 0;
    }
}
