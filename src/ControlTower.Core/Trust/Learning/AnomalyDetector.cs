using System.Globalization;
using System.Text.Json;

namespace ControlTower.Core.Trust.Learning;

/// <summary>Settings of the anomaly detector.</summary>
public sealed record AnomalyOptions
{
    public int Trees { get; init; } = 100;

    /// <summary>Rows per tree (ψ); the trees grow to ⌈log2 ψ⌉.</summary>
    public int SampleSize { get; init; } = 256;

    /// <summary>The share of training rows flagged: the flag threshold is this quantile of the training scores (from the top).</summary>
    public double Contamination { get; init; } = 0.01;

    /// <summary>A value this far beyond the training range, as a share of the range, scores 1 - 1/e on its own.</summary>
    public double RangeScale { get; init; } = 0.1;

    /// <summary>How hard an unseen category or pair counts: the novelty is 1 - p^(1/sharpness) for a chance p of seeing it by luck.</summary>
    public double NoveltySharpness { get; init; } = 2;

    /// <summary>A pair counts as novel only when seeing it this rarely by chance is less likely than this.</summary>
    public double PairSignificance { get; init; } = 0.05;

    /// <summary>Only categoricals with at most this many distinct values take part in the pair check.</summary>
    public int MaxPairCategories { get; init; } = 50;

    /// <summary>A categorical with more distinct values than this is open-ended: an unseen value is no news.</summary>
    public int MaxTrackedCategories { get; init; } = 2000;
}

/// <summary>An anomaly score with the features that drove it.</summary>
public sealed record AnomalyScore(double Score, bool Anomalous, IReadOnlyList<FeatureContribution> Contributions);

/// <summary>
/// An isolation forest over the encoded features (Liu, Ting and Zhou 2008), seeded, plus three novelty terms for what
/// a textbook forest misses: a number beyond the normal training range (the forest's splits all lie inside the range,
/// so it scores such a value no higher than the extreme training value), a category never seen (it lands in a one-hot
/// slot that never varied, so no tree can split on it), and a pair of categories seen far more rarely than their own
/// frequencies predict, e.g. never (the trees seldom split on both). Each term is in [0, 1) and they combine as
/// independent evidence: score = 1 − (1 − forest)·Π(1 − term). The flag threshold is the (1 − contamination) quantile of
/// the training scores, the category terms computed leaving each row out, so a value seen once in training counts as
/// novel for that row as it would for a new one.
/// </summary>
public sealed class AnomalyDetector
{
    private const string TrendFeature = "history.prior_count";
    private const char Separator = '\u001f';
    private const int TopContributions = 5;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Document _model;
    private readonly double _averagePath;
    private readonly Dictionary<string, int>[] _categories;
    private readonly Dictionary<(int, string, int, string), int> _pairs;
    private readonly int[] _categoryTotals;
    private readonly int[] _categorySingletons;
    private readonly int _rarePairCount;

    private AnomalyDetector(TrustFeatureConfig config, Document model)
    {
        Config = config;
        _model = model;
        _averagePath = AveragePath(Math.Min(model.SampleSize, model.Rows));
        _categories = [.. model.Categories.Select(c => c.ToDictionary(v => v.Value, v => v.Count, StringComparer.Ordinal))];
        _pairs = model.Pairs.ToDictionary(p => ParsePairKey(p.Value), p => p.Count);
        _categoryTotals = [.. model.Categories.Select(c => c.Sum(v => v.Count))];
        _categorySingletons = [.. model.Categories.Select(c => c.Count(v => v.Count == 1))];
        // Training data holds up to the contamination share of anomalies, so an impossible pair may have been seen that
        // often; whether a count that low is significant is the Poisson test's to say, not this bound's.
        _rarePairCount = Math.Max(2, (int)(model.Rows * model.Options.Contamination));
    }

    public TrustFeatureConfig Config { get; }

    public double Threshold => _model.Threshold;

    public int Rows => _model.Rows;

    public static AnomalyDetector Train(TrustFeatureConfig config, IReadOnlyList<TrustProposal> proposals, AnomalyOptions options, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfZero(proposals.Count);
        var rows = proposals.Select(config.Extract).ToArray();
        var encoded = rows.Select(r =>
        {
            var slots = new float[config.SlotCount];
            config.Encode(r, slots);
            return slots;
        }).ToArray();
        var features = config.Features.Count;
        var ranges = new NumericRange?[features];
        var categories = new List<CategoryCount>[features];
        var open = new bool[features];
        for (var f = 0; f < features; f++)
        {
            var kind = config.Features[f].Kind;
            var values = rows.Select(r => r.Numbers[f]).Where(v => !double.IsNaN(v)).ToArray();
            ranges[f] = kind == FeatureKind.Numeric && HasOpenRange(config.Features[f].Name) && values.Length > 1 ? NumericRange.Of(values) : null;
            var counts = rows.Select(r => r.Categories[f]).Where(c => c is not null).GroupBy(c => c!, StringComparer.Ordinal)
                .Select(g => new CategoryCount(g.Key, g.Count())).OrderBy(c => c.Value, StringComparer.Ordinal).ToList();
            open[f] = counts.Count > options.MaxTrackedCategories;
            categories[f] = kind == FeatureKind.Numeric || open[f] ? [] : counts;
        }

        var pairFeatures = Enumerable.Range(0, features)
            .Where(f => categories[f].Count is > 1 && categories[f].Count <= options.MaxPairCategories).ToArray();
        var pairs = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            foreach (var key in PairKeys(row, pairFeatures))
            {
                pairs[key] = pairs.GetValueOrDefault(key) + 1;
            }
        }

        var random = new SplitMix64(seed);
        var sample = Math.Min(options.SampleSize, encoded.Length);
        var used = config.SlotFeature.Select(f => config.Features[f].Name != TrendFeature).ToArray();
        var trees = Enumerable.Range(0, options.Trees).Select(_ => IsolationTree.Grow(encoded, used, sample, ref random)).ToList();
        var draft = new Document(options, seed, proposals.Count, sample, 0, trees, [.. ranges], [.. categories], [.. open], pairFeatures,
            [.. pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new CategoryCount(p.Key, p.Value))]);
        var detector = new AnomalyDetector(config, draft);
        var scores = rows.Select((r, i) => detector.Evaluate(r, encoded[i], leaveOut: true, explain: false).Score).Order().ToArray();
        var threshold = scores[Math.Clamp((int)Math.Ceiling((1 - options.Contamination) * scores.Length) - 1, 0, scores.Length - 1)];
        return new AnomalyDetector(config, draft with { Threshold = threshold });
    }

    public AnomalyScore Score(TrustProposal proposal)
    {
        var row = Config.Extract(proposal);
        var slots = new float[Config.SlotCount];
        Config.Encode(row, slots);
        return Evaluate(row, slots, leaveOut: false, explain: true);
    }

    public string ToJson() => JsonSerializer.Serialize(_model, Json);

    public static AnomalyDetector FromJson(TrustFeatureConfig config, string json)
    {
        var model = JsonSerializer.Deserialize<Document>(json, Json) ?? throw new TrustModelException("The anomaly model is empty.");
        if (model.Ranges.Count != config.Features.Count || model.Trees.Any(t => t.Feature.Any(s => s >= config.SlotCount)))
        {
            throw new TrustModelException("The anomaly model does not match its feature configuration.");
        }

        return new AnomalyDetector(config, model);
    }

    private AnomalyScore Evaluate(FeatureRow row, float[] slots, bool leaveOut, bool explain)
    {
        var splitsPerSlot = explain ? new double[Config.SlotCount] : null;
        double pathSum = 0;
        foreach (var tree in _model.Trees)
        {
            pathSum += tree.PathLength(slots, splitsPerSlot);
        }

        var forest = Math.Pow(2, -(pathSum / _model.Trees.Count) / _averagePath);
        var keep = 1 - forest;
        var terms = explain ? new List<FeatureContribution>() : null;
        for (var f = 0; f < Config.Features.Count; f++)
        {
            var term = Math.Max(RangeTerm(f, row.Numbers[f]), CategoryTerm(f, row.Categories[f], leaveOut));
            keep *= 1 - term;
            if (terms is not null && term > 0)
            {
                terms.Add(new FeatureContribution(Config.Features[f].Name, Config.Display(row, f), term));
            }
        }

        foreach (var (key, term) in PairTerms(row, leaveOut))
        {
            keep *= 1 - term;
            terms?.Add(PairContribution(key, term));
        }

        var score = Math.Clamp(1 - keep, 0, 1);
        var contributions = explain ? Explain(row, splitsPerSlot!, forest, terms!) : [];
        return new AnomalyScore(score, score > _model.Threshold, contributions);
    }

    private double RangeTerm(int feature, double value)
    {
        if (_model.Ranges[feature] is not { } range || double.IsNaN(value))
        {
            return 0;
        }

        var beyond = Math.Max(0, Math.Max(value - range.Upper, range.Lower - value)) / range.Span;
        return 1 - Math.Exp(-beyond / _model.Options.RangeScale);
    }

    private double CategoryTerm(int feature, string? value, bool leaveOut)
    {
        if (value is null || _model.Open[feature] || _model.Categories[feature].Count == 0)
        {
            return 0;
        }

        var count = _categories[feature].GetValueOrDefault(value) - (leaveOut ? 1 : 0);
        if (count > 0)
        {
            return 0;
        }

        // Good–Turing: the chance that the next value is a new one is about the share of values seen exactly once.
        var total = _categoryTotals[feature] - (leaveOut ? 1 : 0);
        var singletons = _categorySingletons[feature] - (leaveOut ? 1 : 0);
        var unseenChance = (singletons + 1.0) / (total + 1.0);
        return 1 - Math.Pow(unseenChance, 1 / _model.Options.NoveltySharpness);
    }

    private IEnumerable<((int, string, int, string) Key, double Term)> PairTerms(FeatureRow row, bool leaveOut)
    {
        var pairFeatures = _model.PairFeatures;
        for (var a = 0; a < pairFeatures.Count; a++)
        {
            for (var b = a + 1; b < pairFeatures.Count; b++)
            {
                int fa = pairFeatures[a], fb = pairFeatures[b];
                if (row.Categories[fa] is not { } va || row.Categories[fb] is not { } vb)
                {
                    continue;
                }

                var key = (fa, va, fb, vb);
                var less = leaveOut ? 1 : 0;
                var seen = _pairs.GetValueOrDefault(key) - less;
                double ca = _categories[fa].GetValueOrDefault(va) - less, cb = _categories[fb].GetValueOrDefault(vb) - less;
                if (seen > _rarePairCount || ca <= 0 || cb <= 0)
                {
                    continue;
                }

                // Were the two independent, the pair would have turned up expected = ca·cb/n times; seeing it this rarely
                // (never, or a handful of past anomalies) has the Poisson chance P(X ≤ seen). Only a chance below the
                // significance level counts, so the many rare-by-luck pairs of a small training set stay quiet.
                var expected = ca * cb / (_model.Rows - less);
                var chance = PoissonCdf(seen, expected) / _model.Options.PairSignificance;
                var term = chance >= 1 ? 0 : 1 - Math.Pow(chance, 1 / _model.Options.NoveltySharpness);
                if (term > 0)
                {
                    yield return (key, term);
                }
            }
        }
    }

    private static double PoissonCdf(int k, double mean)
    {
        double term = Math.Exp(-mean), sum = term;
        for (var i = 1; i <= k; i++)
        {
            term *= mean / i;
            sum += term;
        }

        return Math.Min(1, sum);
    }

    private static IEnumerable<string> PairKeys(FeatureRow row, IReadOnlyList<int> pairFeatures)
    {
        for (var a = 0; a < pairFeatures.Count; a++)
        {
            for (var b = a + 1; b < pairFeatures.Count; b++)
            {
                if (row.Categories[pairFeatures[a]] is { } va && row.Categories[pairFeatures[b]] is { } vb)
                {
                    yield return PairKey(pairFeatures[a], va, pairFeatures[b], vb);
                }
            }
        }
    }

    private static string PairKey(int fa, string va, int fb, string vb) => string.Join(Separator, fa, va, fb, vb);

    private static (int, string, int, string) ParsePairKey(string key)
    {
        var parts = key.Split(Separator);
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture), parts[3]);
    }

    private FeatureContribution PairContribution((int, string, int, string) key, double term)
    {
        var (fa, va, fb, vb) = key;
        return new FeatureContribution($"{Config.Features[fa].Name} & {Config.Features[fb].Name}", $"{va} & {vb}", term);
    }

    /// <summary>The forest's share goes to the features it split on along the paths; the novelty terms speak for themselves.</summary>
    private List<FeatureContribution> Explain(FeatureRow row, double[] splitsPerSlot, double forest, List<FeatureContribution> terms)
    {
        var total = splitsPerSlot.Sum();
        var perFeature = new double[Config.Features.Count];
        for (var s = 0; s < splitsPerSlot.Length; s++)
        {
            perFeature[Config.SlotFeature[s]] += total == 0 ? 0 : splitsPerSlot[s] / total;
        }

        var excess = forest - 0.5;
        var fromForest = perFeature.Select((share, f) => new FeatureContribution(Config.Features[f].Name, Config.Display(row, f), share * excess));
        return [.. terms.Concat(fromForest)
            .GroupBy(c => (c.Feature, c.Value))
            .Select(g => new FeatureContribution(g.Key.Feature, g.Key.Value, g.Sum(c => c.Contribution)))
            .Where(c => c.Contribution != 0)
            .OrderByDescending(c => Math.Abs(c.Contribution)).ThenBy(c => c.Feature, StringComparer.Ordinal)
            .Take(TopContributions)];
    }

    /// <summary>
    /// Whether a value outside the training range is news: not for the ever-growing proposal count, and not for the hour
    /// and weekday, whose whole range is known (a training window of two days has simply not seen Sunday yet).
    /// </summary>
    private static bool HasOpenRange(string feature) => feature != TrendFeature && !feature.StartsWith("time.", StringComparison.Ordinal);

    /// <summary>c(n): the average path length of an unsuccessful search in a binary search tree of n points.</summary>
    internal static double AveragePath(int n) => n switch
    {
        <= 1 => 0,
        2 => 1,
        _ => (2 * (Math.Log(n - 1) + 0.5772156649)) - (2.0 * (n - 1) / n),
    };

    internal sealed record CategoryCount(string Value, int Count);

    /// <summary>
    /// The normal range of a number: the 0.5% and 99.5% training quantiles widened by half their distance on each side,
    /// so a few extreme rows in training (past anomalies) do not stretch it, while a heavy tail stays inside.
    /// </summary>
    internal sealed record NumericRange(double Lower, double Upper, double Span)
    {
        public static NumericRange Of(double[] values)
        {
            var sorted = values.Order().ToArray();
            var lo = sorted[(int)Math.Floor(0.005 * (sorted.Length - 1))];
            var hi = sorted[(int)Math.Ceiling(0.995 * (sorted.Length - 1))];
            var span = hi > lo ? hi - lo : Math.Max(Math.Abs(hi), 1);
            return new NumericRange(lo - (span / 2), hi + (span / 2), span);
        }
    }

    internal sealed record Document(
        AnomalyOptions Options,
        ulong Seed,
        int Rows,
        int SampleSize,
        double Threshold,
        IReadOnlyList<IsolationTree> Trees,
        IReadOnlyList<NumericRange?> Ranges,
        IReadOnlyList<List<CategoryCount>> Categories,
        IReadOnlyList<bool> Open,
        IReadOnlyList<int> PairFeatures,
        IReadOnlyList<CategoryCount> Pairs);
}
