using System.Text.Json.Nodes;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;

namespace ControlTower.Core.Tests.Trust.Learning;

public sealed class TrustFeatureConfigTests
{
    private static readonly DateTimeOffset Monday9 = new(2026, 1, 5, 9, 30, 0, TimeSpan.Zero);
    private static readonly TrustScope Scope = new("t1", "s1", "refill", "pharmacy.dispense", "pharmacist");

    private static TrustExample Example(int i, JsonObject context, bool? approved = true) =>
        new($"e{i}", new TrustProposal(Scope, context, Monday9.AddMinutes(i), new ScopeHistory(i, 0.8, 1, 5)), approved, null);

    private static List<TrustExample> Training() =>
    [
        .. Enumerable.Range(0, 30).Select(i => Example(i, new JsonObject
        {
            ["quantity"] = 10 + i,
            ["controlled"] = i % 3 == 0,
            ["insurance"] = i % 2 == 0 ? "paid" : "pending",
            ["note"] = i % 5 == 0 ? null : "x",
        })),
        Example(30, new JsonObject { ["insurance"] = "cash", ["controlled"] = false }, approved: false),
    ];

    private static double Slot(TrustFeatureConfig config, float[] slots, string name) => slots[config.SlotNames.ToList().IndexOf(name)];

    [Fact]
    public void Learn_WhenValuesAreNumbersBooleansAndStrings_InfersEachKind()
    {
        var config = TrustFeatureConfig.Learn(Training());
        var kinds = config.Features.ToDictionary(f => f.Name, f => f.Kind);

        Assert.Equal(FeatureKind.Numeric, kinds["quantity"]);
        Assert.Equal(FeatureKind.Boolean, kinds["controlled"]);
        Assert.Equal(FeatureKind.Categorical, kinds["insurance"]);
        Assert.Equal(FeatureKind.Categorical, kinds["scope.site"]);
        Assert.Equal(["paid", "pending", "cash"], config.Features.Single(f => f.Name == "insurance").Vocabulary);
        Assert.Contains("history.approval_rate", kinds.Keys);
        Assert.Contains("time.hour", kinds.Keys);
    }

    [Fact]
    public void Encode_WhenCategoryIsKnownUnknownOrMissing_SetsExactlyOneOneHotSlot()
    {
        var config = TrustFeatureConfig.Learn(Training());
        var proposal = Training()[0].Proposal;

        float[] Encoded(JsonNode? insurance)
        {
            var context = (JsonObject)proposal.Context.DeepClone();
            context["insurance"] = insurance;
            return config.Encode(proposal with { Context = context });
        }

        var known = Encoded("pending");
        var unknown = Encoded("medicare");
        var missing = Encoded(null);

        Assert.Equal(1, Slot(config, known, "insurance=pending"));
        Assert.Equal(1, Slot(config, unknown, "insurance=(other)"));
        Assert.Equal(1, Slot(config, missing, "insurance=(missing)"));
        foreach (var slots in new[] { known, unknown, missing })
        {
            Assert.Equal(1, config.SlotNames.Select((n, i) => (n, i)).Where(s => s.n.StartsWith("insurance=", StringComparison.Ordinal)).Sum(s => slots[s.i]));
        }
    }

    [Fact]
    public void Encode_WhenNumberIsMissingOrOfTheWrongType_ImputesTheMedianAndSetsTheIndicator()
    {
        var config = TrustFeatureConfig.Learn(Training());
        var quantity = config.Features.Single(f => f.Name == "quantity");
        var proposal = Training()[0].Proposal;
        var wrongType = (JsonObject)proposal.Context.DeepClone();
        wrongType["quantity"] = "thirty";

        var slots = config.Encode(proposal with { Context = wrongType });

        Assert.True(quantity.HasMissingSlot, "training saw quantity missing once");
        Assert.Equal(24.5, quantity.Impute);
        Assert.Equal(24.5, Slot(config, slots, "quantity"));
        Assert.Equal(1, Slot(config, slots, "quantity:missing"));
        Assert.Equal(0, Slot(config, config.Encode(proposal), "quantity:missing"));
    }

    [Fact]
    public void Encode_History_UsesTheDocumentedPolicyForNoHistory()
    {
        var config = TrustFeatureConfig.Learn(Training());
        var proposal = Training()[0].Proposal with { History = new ScopeHistory(0, null, 0, null) };

        var slots = config.Encode(proposal);

        Assert.Equal(30 / 31.0, Slot(config, slots, "history.approval_rate"), 5);
        Assert.Equal(TrustFeatureConfig.HoursSinceFailureCap, Slot(config, slots, "history.hours_since_failure"));
        Assert.Equal(9, Slot(config, slots, "time.hour"));
        Assert.Equal((int)DayOfWeek.Monday, Slot(config, slots, "time.day_of_week"));
    }

    [Fact]
    public void Hash_WhenLearnedTwiceOrRoundTripped_IsStableAndChangesWithTheVocabulary()
    {
        var a = TrustFeatureConfig.Learn(Training());
        var b = TrustFeatureConfig.Learn(Training());
        var more = TrustFeatureConfig.Learn([.. Training(), .. Enumerable.Range(40, 5).Select(i => Example(i, new JsonObject { ["insurance"] = "medicare" }))]);

        Assert.Equal(a.Hash, b.Hash);
        Assert.StartsWith($"v{TrustFeatureConfig.Version}:", a.Hash, StringComparison.Ordinal);
        Assert.Equal(a.Hash, TrustFeatureConfig.FromJson(a.ToJson()).Hash);
        Assert.NotEqual(a.Hash, more.Hash);
    }

    [Fact]
    public void FromJson_WhenVersionDiffers_ThrowsModelInvalid()
    {
        var json = TrustFeatureConfig.Learn(Training()).ToJson().Replace($"\"version\":{TrustFeatureConfig.Version}", "\"version\":99", StringComparison.Ordinal);

        var error = Assert.Throws<TrustModelException>(() => TrustFeatureConfig.FromJson(json));

        Assert.Equal(TrustLearningErrorCodes.ModelInvalid, error.Code);
    }
}
