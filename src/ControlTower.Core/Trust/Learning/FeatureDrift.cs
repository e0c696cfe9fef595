namespace ControlTower.Core.Trust.Learning;

/// <summary>The population stability index of one feature between training and recent proposals.</summary>
public sealed record FeatureDriftValue(string Feature, double Psi);

/// <summary>
/// What the training proposals looked like, per feature, kept with a model so drift can be measured later without the
/// training rows: numbers by the training deciles, categories by their shares (vocabulary plus other and missing).
/// </summary>
public sealed record DriftBaseline(IReadOnlyList<DriftBaseline.Feature> Features)
{
    private const string TrendFeature = "history.prior_count";
    private const double Floor = 1e-4;

    /// <param name="Edges">Bin edges of a number (empty for a categorical).</param>
    /// <param name="Shares">The training share of each bin or category slot.</param>
    public sealed record Feature(string Name, IReadOnlyList<double> Edges, IReadOnlyList<double> Shares);

    public static DriftBaseline Learn(TrustFeatureConfig config, IReadOnlyList<TrustProposal> proposals, int bins = 10)
    {
        var rows = proposals.Select(config.Extract).ToList();
        var features = new List<Feature>();
        for (var f = 0; f < config.Features.Count; f++)
        {
            var definition = config.Features[f];
            if (definition.Name == TrendFeature)
            {
                continue;
            }

            if (definition.Kind == FeatureKind.Categorical)
            {
                features.Add(new Feature(definition.Name, [], Shares(config, rows, f, [])));
                continue;
            }

            var values = rows.Select(r => Value(definition, r.Numbers[f])).Order().ToArray();
            var edges = Enumerable.Range(1, bins - 1).Select(b => values[(int)((long)b * (values.Length - 1) / bins)]).Distinct().ToArray();
            features.Add(new Feature(definition.Name, edges, Shares(config, rows, f, edges)));
        }

        return new DriftBaseline(features);
    }

    /// <summary>The PSI of every feature of <paramref name="recent"/> against this baseline, highest first.</summary>
    public IReadOnlyList<FeatureDriftValue> Measure(TrustFeatureConfig config, IReadOnlyList<TrustProposal> recent)
    {
        if (recent.Count == 0)
        {
            return [];
        }

        var rows = recent.Select(config.Extract).ToList();
        var index = config.Features.Select((d, i) => (d.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        return [.. Features
            .Where(b => index.ContainsKey(b.Name))
            .Select(b =>
            {
                var actual = Shares(config, rows, index[b.Name], b.Edges);
                var psi = b.Shares.Select((e, k) => (Math.Max(actual[k], Floor) - Math.Max(e, Floor)) * Math.Log(Math.Max(actual[k], Floor) / Math.Max(e, Floor))).Sum();
                return new FeatureDriftValue(b.Name, psi);
            })
            .OrderByDescending(d => d.Psi).ThenBy(d => d.Feature, StringComparer.Ordinal)];
    }

    private static double[] Shares(TrustFeatureConfig config, List<FeatureRow> rows, int feature, IReadOnlyList<double> edges)
    {
        var definition = config.Features[feature];
        var slots = definition.Kind == FeatureKind.Categorical ? definition.Vocabulary.Count + 2 : edges.Count + 1;
        var counts = new double[slots];
        var vocabulary = definition.Vocabulary.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (definition.Kind == FeatureKind.Categorical)
            {
                var category = row.Categories[feature];
                counts[category is null ? slots - 1 : vocabulary.TryGetValue(category, out var k) ? k : slots - 2]++;
                continue;
            }

            var bin = 0;
            var value = Value(definition, row.Numbers[feature]);
            while (bin < edges.Count && value > edges[bin])
            {
                bin++;
            }

            counts[bin]++;
        }

        return [.. counts.Select(c => rows.Count == 0 ? 0 : c / rows.Count)];
    }

    private static double Value(FeatureDefinition definition, double number) => double.IsNaN(number) ? definition.Impute : number;
}
