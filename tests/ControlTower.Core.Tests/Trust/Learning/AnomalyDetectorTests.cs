using System.Text.Json.Nodes;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Trust.Learning;

/// <summary>The isolation forest and the novelty terms that catch what a textbook forest misses.</summary>
public sealed class AnomalyDetectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly Lazy<(IReadOnlyList<SyntheticEvent> Events, TrustFeatureConfig Config, AnomalyDetector Detector)> Clean = new(() =>
    {
        var events = SyntheticTrustStream.Generate(SyntheticShape.Stationary with { AnomalyRate = 0 }, 1500, 3, Start);
        var training = events.Take(1000).Select(e => e.Example).ToList();
        var config = TrustFeatureConfig.Learn(training);
        return (events, config, AnomalyDetector.Train(config, [.. training.Select(e => e.Proposal)], new AnomalyOptions(), 17));
    });

    private static AnomalyDetector Detector => Clean.Value.Detector;

    private static IReadOnlyList<SyntheticEvent> Fresh => [.. Clean.Value.Events.Skip(1000)];

    private static TrustProposal With(TrustProposal proposal, string field, JsonNode? value)
    {
        var context = (JsonObject)proposal.Context.DeepClone();
        context[field] = value;
        return proposal with { Context = context };
    }

    private static double MaxTrainingQuantity => Clean.Value.Events.Take(1000).Max(e => e.Example.Proposal.Context["quantity"]!.GetValue<double>());

    [Fact]
    public void Score_WhenValueIsFarBeyondTheTrainingRange_ScoresAboveTheMostExtremeTrainingRowAndIsFlagged()
    {
        var extremeRow = Clean.Value.Events.Take(1000).MaxBy(e => e.Example.Proposal.Context["quantity"]!.GetValue<double>())!.Example.Proposal;
        var beyond = With(extremeRow, "quantity", MaxTrainingQuantity * 4);

        var atMax = Detector.Score(extremeRow);
        var far = Detector.Score(beyond);

        Assert.True(far.Score > atMax.Score, $"{far.Score} > {atMax.Score}");
        Assert.True(far.Anomalous);
        Assert.Equal("quantity", far.Contributions[0].Feature);
        Assert.Equal((MaxTrainingQuantity * 4).ToString(System.Globalization.CultureInfo.InvariantCulture), far.Contributions[0].Value);
    }

    [Fact]
    public void Score_BeyondTheRange_IsMonotoneInTheDistanceAndFlagsFarValues()
    {
        var cases = Arb.From(
            from row in Gen.Choose(0, 499)
            from a in Gen.Choose(3, 400)
            from b in Gen.Choose(101, 500)
            select (row, Near: MaxTrainingQuantity * a, Further: MaxTrainingQuantity * a * b / 100.0));

        Prop.ForAll(cases, c =>
        {
            var proposal = Fresh[c.row].Example.Proposal;
            var near = Detector.Score(With(proposal, "quantity", c.Near));
            var further = Detector.Score(With(proposal, "quantity", c.Further));
            Assert.True(further.Score >= near.Score, $"quantity {c.Further}: {further.Score} < quantity {c.Near}: {near.Score}");
            Assert.True(near.Anomalous, $"quantity {c.Near} is {c.Near / MaxTrainingQuantity:0.#}× the training maximum");
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    [Fact]
    public void Score_WhenCategoryWasNeverSeen_IsFlaggedAndNamesTheCategory()
    {
        var cases = Arb.From(
            from row in Gen.Choose(0, 499)
            from name in Gen.Elements("compound-", "unlisted-", "imported-")
            from suffix in Gen.Choose(0, 999_999)
            select (row, Drug: name + suffix));

        Prop.ForAll(cases, c =>
        {
            var score = Detector.Score(With(Fresh[c.row].Example.Proposal, "drug", c.Drug));
            Assert.True(score.Anomalous, $"drug {c.Drug}: {score.Score} ≤ {Detector.Threshold}");
            Assert.Contains(score.Contributions, x => x.Feature == "drug" && x.Value == c.Drug);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void Score_WhenCombinationNeverOccurs_IsFlaggedAndNamesThePair()
    {
        var cases = Arb.From(from row in Gen.Choose(0, 499) from swap in Gen.Elements(true, false) select (row, swap));

        Prop.ForAll(cases, c =>
        {
            var proposal = Fresh[c.row].Example.Proposal;
            var scope = proposal.Scope;
            var odd = c.swap
                ? proposal with { Scope = scope with { Tenant = scope.Tenant == "t1" ? "t2" : "t1" } }
                : With(With(proposal, "drug", "oxycodone"), "controlled", true) with { Scope = scope with { Role = "technician" } };
            var score = Detector.Score(odd);
            Assert.True(score.Anomalous, $"{odd.Scope.Key} {odd.Context["drug"]}: {score.Score} ≤ {Detector.Threshold}");
            Assert.Contains(score.Contributions, x => x.Feature.Contains(" & ", StringComparison.Ordinal));
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void Score_WhenTheTrainingDataHoldsAFewOfTheImpossiblePair_StillFlagsIt()
    {
        // 2,000 rows of which 8 (0.4%, under the 1% contamination) are technicians dispensing oxycodone: past anomalies
        // in the training data must not teach the detector that the pair is normal.
        var events = SyntheticTrustStream.Generate(SyntheticShape.Stationary with { AnomalyRate = 0 }, 2500, 11, Start);
        var training = events.Take(2000).Select((e, i) => i % 250 == 7 ? TechnicianOxycodone(e.Example.Proposal) : e.Example.Proposal).ToList();
        var config = TrustFeatureConfig.Learn([.. training.Select((p, i) => new TrustExample($"e{i}", p, true, true))]);
        var detector = AnomalyDetector.Train(config, training, new AnomalyOptions(), 17);

        var fresh = events.Skip(2000).Take(100).Select(e => TechnicianOxycodone(e.Example.Proposal)).ToList();

        Assert.All(fresh, p => Assert.True(detector.Score(p).Anomalous, $"{p.Scope.Key}: {detector.Score(p).Score} ≤ {detector.Threshold}"));
    }

    private static TrustProposal TechnicianOxycodone(TrustProposal proposal) =>
        With(With(proposal, "drug", "oxycodone"), "controlled", true) with { Scope = proposal.Scope with { Role = "technician" } };

    [Fact]
    public void Score_ForAnyContext_IsBetweenZeroAndOne()
    {
        var values = Gen.OneOf<JsonNode?>(
            Gen.Choose(-1_000_000, 1_000_000).Select(i => (JsonNode?)JsonValue.Create(i * 1.5)),
            Gen.Elements<JsonNode?>(JsonValue.Create(true), JsonValue.Create("x"), JsonValue.Create(""), null, new JsonArray()));
        var cases = Arb.From(
            from row in Gen.Choose(0, 499)
            from field in Gen.Elements("quantity", "controlled", "drug", "insurance", "patientAge", "brandNew")
            from value in values
            select (row, field, value));

        Prop.ForAll(cases, c =>
        {
            var score = Detector.Score(With(Fresh[c.row].Example.Proposal, c.field, c.value?.DeepClone()));
            Assert.InRange(score.Score, 0, 1);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Score_OnFreshNormalEvents_FlagsAboutTheContamination()
    {
        var flagged = Fresh.Count(e => Detector.Score(e.Example.Proposal).Anomalous);

        Assert.InRange(flagged / (double)Fresh.Count, 0, 0.04);
    }

    [Fact]
    public void Train_WhenSameSeed_IsIdenticalAndRoundTripsThroughJson()
    {
        var proposals = Clean.Value.Events.Take(400).Select(e => e.Example.Proposal).ToList();
        var config = Clean.Value.Config;

        var a = AnomalyDetector.Train(config, proposals, new AnomalyOptions(), 99);
        var b = AnomalyDetector.Train(config, proposals, new AnomalyOptions(), 99);
        var c = AnomalyDetector.Train(config, proposals, new AnomalyOptions(), 100);
        var loaded = AnomalyDetector.FromJson(config, a.ToJson());

        Assert.Equal(a.ToJson(), b.ToJson());
        Assert.NotEqual(a.ToJson(), c.ToJson());
        Assert.All(Fresh.Take(50), e => Assert.Equal(a.Score(e.Example.Proposal), loaded.Score(e.Example.Proposal), ScoreComparer.Instance));
    }

    private sealed class ScoreComparer : IEqualityComparer<AnomalyScore>
    {
        public static readonly ScoreComparer Instance = new();

        public bool Equals(AnomalyScore? x, AnomalyScore? y) => x!.Score == y!.Score && x.Anomalous == y.Anomalous && x.Contributions.SequenceEqual(y.Contributions);

        public int GetHashCode(AnomalyScore obj) => 0;
    }
}
