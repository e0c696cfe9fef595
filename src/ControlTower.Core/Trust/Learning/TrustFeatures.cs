using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ControlTower.Core.Trust.Learning;

/// <summary>How a feature is read and encoded.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FeatureKind>))]
public enum FeatureKind
{
    /// <summary>A number. Missing: the training median, plus a <c>:missing</c> indicator slot when training saw it missing.</summary>
    Numeric,

    /// <summary>true = 1, false = 0. Missing: the training share of true, plus the indicator slot as for numbers.</summary>
    Boolean,

    /// <summary>
    /// A string, one-hot over the vocabulary learned at training (the most frequent values), an <c>(other)</c> slot for every
    /// value outside it and a <c>(missing)</c> slot for an absent or null value.
    /// </summary>
    Categorical,
}

/// <summary>
/// One named, typed input. <paramref name="Impute"/> fills a missing number or boolean; <paramref name="HasMissingSlot"/>
/// adds the indicator slot; <paramref name="Vocabulary"/> are a categorical's one-hot values.
/// </summary>
public sealed record FeatureDefinition(
    string Name,
    FeatureKind Kind,
    double Impute,
    bool HasMissingSlot,
    IReadOnlyList<string> Vocabulary);

/// <summary>The raw values of one proposal, per feature: a number (NaN when missing) and, for categoricals and booleans, a category.</summary>
public sealed class FeatureRow
{
    internal FeatureRow(double[] numbers, string?[] categories)
    {
        Numbers = numbers;
        Categories = categories;
    }

    /// <summary>Per feature: the number (booleans 0/1), NaN when missing or when the feature is categorical.</summary>
    public double[] Numbers { get; }

    /// <summary>Per feature: the category (booleans as "true"/"false"), null when missing or when the feature is numeric.</summary>
    public string?[] Categories { get; }
}

/// <summary>Limits for learning a <see cref="TrustFeatureConfig"/> from examples.</summary>
public sealed record FeatureLearningOptions
{
    /// <summary>At most this many one-hot values per categorical; the rest go to <c>(other)</c>.</summary>
    public int MaxCategories { get; init; } = 24;

    /// <summary>A value needs this many training rows to get its own slot.</summary>
    public int MinCategoryCount { get; init; } = 3;

    /// <summary>At most this many context fields (the most frequent, then by name) become features.</summary>
    public int MaxContextFields { get; init; } = 64;
}

/// <summary>
/// The named, typed, versioned feature set of the trust models. Features, in order: the scope's five dimensions
/// (categorical), each context field seen in training (kind inferred from its values: all numbers → numeric, all
/// booleans → boolean, otherwise categorical), the scope history and the time of day and week. <see cref="Hash"/> covers
/// all of it (version, names, kinds, imputations, vocabularies) and is part of every model's identity.
/// </summary>
/// <remarks>
/// Missing values: a numeric or boolean context field takes the training median (booleans: the share of true) and sets its
/// <c>:missing</c> slot when training saw it missing; a categorical goes to its <c>(missing)</c> slot; a value of the wrong
/// type counts as missing. History: no approval rate yet takes the training approval rate; no failure on record (or one
/// longer ago than <see cref="HoursSinceFailureCap"/>) counts as the cap. Hour and day come from the proposal's own offset.
/// </remarks>
public sealed class TrustFeatureConfig
{
    /// <summary>Bumped when the encoding changes in a way the hash of the definitions cannot see.</summary>
    public const int Version = 1;

    /// <summary>Hours since the last failure are capped here; "never failed" is the cap.</summary>
    public const double HoursSinceFailureCap = 720;

    public const string OtherCategory = "(other)";
    public const string MissingCategory = "(missing)";

    private static readonly string[] ScopeFeatures = ["scope.tenant", "scope.site", "scope.queue", "scope.actionType", "scope.role"];
    private const string PriorCount = "history.prior_count";
    private const string ApprovalRate = "history.approval_rate";
    private const string EventsLastHour = "history.events_last_hour";
    private const string HoursSinceFailure = "history.hours_since_failure";
    private const string HourOfDay = "time.hour";
    private const string DayOfWeek = "time.day_of_week";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Features that only grow over a scope's life: no predictor learns a boundary on them (see the trainer and the anomaly detector).</summary>
    public static readonly IReadOnlySet<string> TrendFeatures = new HashSet<string>(StringComparer.Ordinal) { PriorCount };

    /// <summary>The weekday: a weekly pattern cannot be learnt from less than <see cref="WeeklyPatternSpan"/> of data.</summary>
    public const string WeekdayFeature = DayOfWeek;

    /// <summary>Two of every weekday: the least data a weekday effect can be told from a one-off day with.</summary>
    public static readonly TimeSpan WeeklyPatternSpan = TimeSpan.FromDays(14);

    private readonly Dictionary<string, int>[] _categoryIndex;
    private readonly int[] _firstSlot;
    private readonly int _contextStart;
    private readonly int _contextEnd;

    public TrustFeatureConfig(IReadOnlyList<FeatureDefinition> features)
    {
        Features = features;
        _categoryIndex = new Dictionary<string, int>[features.Count];
        _firstSlot = new int[features.Count];
        var slots = new List<string>();
        var slotFeature = new List<int>();
        for (var f = 0; f < features.Count; f++)
        {
            var feature = features[f];
            _firstSlot[f] = slots.Count;
            _categoryIndex[f] = new Dictionary<string, int>(StringComparer.Ordinal);
            if (feature.Kind == FeatureKind.Categorical)
            {
                foreach (var value in feature.Vocabulary.Append(OtherCategory).Append(MissingCategory))
                {
                    _categoryIndex[f][value] = slots.Count - _firstSlot[f];
                    slots.Add($"{feature.Name}={value}");
                    slotFeature.Add(f);
                }
            }
            else
            {
                slots.Add(feature.Name);
                slotFeature.Add(f);
                if (feature.HasMissingSlot)
                {
                    slots.Add(feature.Name + ":missing");
                    slotFeature.Add(f);
                }
            }
        }

        SlotNames = slots;
        SlotFeature = [.. slotFeature];
        _contextStart = ScopeFeatures.Length;
        _contextEnd = features.Count - 6;
        Hash = ComputeHash(features);
    }

    public IReadOnlyList<FeatureDefinition> Features { get; }

    /// <summary>The name of each encoded slot (e.g. <c>insurance=paid</c>, <c>quantity</c>, <c>quantity:missing</c>).</summary>
    public IReadOnlyList<string> SlotNames { get; }

    /// <summary>The feature each slot belongs to (an index into <see cref="Features"/>).</summary>
    public int[] SlotFeature { get; }

    public int SlotCount => SlotNames.Count;

    /// <summary><c>v{Version}:</c> and the SHA-256 of the definitions, hex.</summary>
    public string Hash { get; }

    /// <summary>Learns context field kinds, imputations and vocabularies from training examples.</summary>
    public static TrustFeatureConfig Learn(IReadOnlyList<TrustExample> examples, FeatureLearningOptions? options = null)
    {
        options ??= new FeatureLearningOptions();
        var features = new List<FeatureDefinition>();
        foreach (var (name, index) in ScopeFeatures.Select((n, i) => (n, i)))
        {
            features.Add(Categorical(name, examples.Select(e => (string?)ScopeValue(e.Proposal.Scope, index)), examples.Count, options));
        }

        var fields = examples
            .SelectMany(e => e.Proposal.Context.Select(p => p.Key))
            .GroupBy(k => k, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(options.MaxContextFields)
            .Select(g => g.Key)
            .Order(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            features.Add(ContextFeature(field, examples, options));
        }

        var approvals = examples.Where(e => e.Approved is not null).ToList();
        var approvalPrior = approvals.Count == 0 ? 0.5 : approvals.Count(e => e.Approved == true) / (double)approvals.Count;
        features.Add(new FeatureDefinition(PriorCount, FeatureKind.Numeric, 0, false, []));
        features.Add(new FeatureDefinition(ApprovalRate, FeatureKind.Numeric, Math.Round(approvalPrior, 6), false, []));
        features.Add(new FeatureDefinition(EventsLastHour, FeatureKind.Numeric, 0, false, []));
        features.Add(new FeatureDefinition(HoursSinceFailure, FeatureKind.Numeric, HoursSinceFailureCap, false, []));
        features.Add(new FeatureDefinition(HourOfDay, FeatureKind.Numeric, 12, false, []));
        features.Add(new FeatureDefinition(DayOfWeek, FeatureKind.Numeric, 3, false, []));
        return new TrustFeatureConfig(features);
    }

    /// <summary>Reads a proposal's raw feature values (no imputation yet).</summary>
    public FeatureRow Extract(TrustProposal proposal)
    {
        var count = Features.Count;
        var numbers = new double[count];
        var categories = new string?[count];
        Array.Fill(numbers, double.NaN);
        for (var f = 0; f < ScopeFeatures.Length; f++)
        {
            var value = ScopeValue(proposal.Scope, f);
            categories[f] = value.Length == 0 ? null : value;
        }

        for (var f = _contextStart; f < _contextEnd; f++)
        {
            var feature = Features[f];
            proposal.Context.TryGetPropertyValue(feature.Name, out var node);
            ReadContext(feature.Kind, node, out numbers[f], out categories[f]);
        }

        var history = proposal.History;
        numbers[_contextEnd] = history.PriorProposals;
        numbers[_contextEnd + 1] = history.ApprovalRateSoFar ?? double.NaN;
        numbers[_contextEnd + 2] = history.EventsLastHour;
        numbers[_contextEnd + 3] = Math.Min(history.HoursSinceLastFailure ?? HoursSinceFailureCap, HoursSinceFailureCap);
        numbers[_contextEnd + 4] = proposal.At.Hour;
        numbers[_contextEnd + 5] = (int)proposal.At.DayOfWeek;
        return new FeatureRow(numbers, categories);
    }

    /// <summary>Encodes a row into <paramref name="slots"/> (length <see cref="SlotCount"/>), applying the missing-value policy.</summary>
    public void Encode(FeatureRow row, Span<float> slots)
    {
        slots.Clear();
        for (var f = 0; f < Features.Count; f++)
        {
            var feature = Features[f];
            var first = _firstSlot[f];
            if (feature.Kind == FeatureKind.Categorical)
            {
                var category = row.Categories[f];
                var offset = category is null
                    ? _categoryIndex[f][MissingCategory]
                    : _categoryIndex[f].TryGetValue(category, out var known) ? known : _categoryIndex[f][OtherCategory];
                slots[first + offset] = 1;
                continue;
            }

            var number = row.Numbers[f];
            var missing = double.IsNaN(number);
            slots[first] = (float)(missing ? feature.Impute : number);
            if (feature.HasMissingSlot)
            {
                slots[first + 1] = missing ? 1 : 0;
            }
        }
    }

    public float[] Encode(TrustProposal proposal)
    {
        var slots = new float[SlotCount];
        Encode(Extract(proposal), slots);
        return slots;
    }

    /// <summary>How a person reads a feature's value in an explanation: <c>30</c>, <c>false</c>, <c>paid</c>, <c>(missing)</c>.</summary>
    public string Display(FeatureRow row, int feature)
    {
        var definition = Features[feature];
        if (definition.Kind != FeatureKind.Numeric)
        {
            return row.Categories[feature] ?? MissingCategory;
        }

        var number = row.Numbers[feature];
        return double.IsNaN(number) ? MissingCategory : number.ToString("0.###", CultureInfo.InvariantCulture);
    }

    public string ToJson() => JsonSerializer.Serialize(new ConfigDocument(Version, Features), Json);

    public static TrustFeatureConfig FromJson(string json)
    {
        var document = JsonSerializer.Deserialize<ConfigDocument>(json, Json)
            ?? throw new TrustModelException("The feature configuration is empty.");
        if (document.Version != Version)
        {
            throw new TrustModelException($"The feature configuration has version {document.Version}; this build reads version {Version}.");
        }

        return new TrustFeatureConfig(document.Features);
    }

    private static void ReadContext(FeatureKind kind, JsonNode? node, out double number, out string? category)
    {
        number = double.NaN;
        category = null;
        if (node is not JsonValue value)
        {
            return;
        }

        switch (kind)
        {
            case FeatureKind.Numeric when value.GetValueKind() == JsonValueKind.Number:
                number = NumberOf(value);
                break;
            case FeatureKind.Boolean when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                var flag = value.GetValue<bool>();
                number = flag ? 1 : 0;
                category = flag ? "true" : "false";
                break;
            case FeatureKind.Categorical:
                category = CategoryOf(value);
                break;
        }
    }

    /// <summary>A JSON number as a double, whether the node was parsed from text or built from a CLR int, long, decimal....</summary>
    internal static double NumberOf(JsonValue value) =>
        value.TryGetValue<double>(out var d) ? d
        : value.TryGetValue<int>(out var i) ? i
        : value.TryGetValue<long>(out var l) ? l
        : double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);

    private static string? CategoryOf(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.ToJsonString(),
        _ => null,
    };

    private static FeatureDefinition ContextFeature(string field, IReadOnlyList<TrustExample> examples, FeatureLearningOptions options)
    {
        var values = examples.Select(e => e.Proposal.Context.TryGetPropertyValue(field, out var n) ? n as JsonValue : null).ToList();
        var present = values.Where(v => v is not null).Select(v => v!).ToList();
        var kinds = present.Select(v => v.GetValueKind()).Distinct().ToList();
        var missing = values.Count - present.Count > 0;
        if (kinds.Count > 0 && kinds.All(k => k == JsonValueKind.Number))
        {
            return new FeatureDefinition(field, FeatureKind.Numeric, Median(present.Select(NumberOf)), missing, []);
        }

        if (kinds.Count > 0 && kinds.All(k => k is JsonValueKind.True or JsonValueKind.False))
        {
            var share = present.Count(v => v.GetValue<bool>()) / (double)present.Count;
            return new FeatureDefinition(field, FeatureKind.Boolean, Math.Round(share, 6), missing, []);
        }

        return Categorical(field, values.Select(v => v is null ? null : CategoryOf(v)), examples.Count, options);
    }

    private static FeatureDefinition Categorical(string name, IEnumerable<string?> values, int rows, FeatureLearningOptions options)
    {
        var vocabulary = values
            .Where(v => v is not null && v.Length > 0)
            .GroupBy(v => v!, StringComparer.Ordinal)
            .Where(g => g.Count() >= Math.Min(options.MinCategoryCount, Math.Max(1, rows / 100)))
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(options.MaxCategories)
            .Select(g => g.Key)
            .Where(v => v is not OtherCategory and not MissingCategory)
            .ToList();
        return new FeatureDefinition(name, FeatureKind.Categorical, 0, false, vocabulary);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static string ScopeValue(TrustScope scope, int index) => index switch
    {
        0 => scope.Tenant,
        1 => scope.Site,
        2 => scope.Queue,
        3 => scope.ActionType,
        _ => scope.Role,
    };

    private static string ComputeHash(IReadOnlyList<FeatureDefinition> features)
    {
        var canonical = JsonSerializer.Serialize(new ConfigDocument(Version, features), Json);
        return $"v{Version}:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private sealed record ConfigDocument(int Version, IReadOnlyList<FeatureDefinition> Features);
}
