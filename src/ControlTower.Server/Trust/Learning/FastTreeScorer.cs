using System.IO.Compression;
using ControlTower.Core.Trust.Learning;
using Microsoft.ML.Calibrators;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace ControlTower.Server.Trust.Learning;

/// <summary>
/// Settings of the boosted trees. <see cref="Trees"/> and <see cref="Leaves"/> bound and seed the search: the trainer
/// tries every count of <see cref="LeafCandidates"/> with up to <see cref="Trees"/> trees and keeps the shape with the
/// lowest out-of-fold log loss.
/// </summary>
internal sealed record BoostedTreeSettings
{
    /// <summary>
    /// The most trees a fold model may have; the search scores every <see cref="TreeStep"/>-th prefix. 300 keeps the served
    /// predictor (three fold models) inside the latency budget: with 400 a side, 8-leaf trees took p50 past 100 µs.
    /// </summary>
    public int Trees { get; init; } = 300;

    public int Leaves { get; init; } = 4;

    /// <summary>Leaves per tree to try: 2 (additive, a stump per round), 4 and 8 (interactions of growing depth).</summary>
    public IReadOnlyList<int> LeafCandidates { get; init; } = [2, 4, 8];

    public int TreeStep { get; init; } = 25;

    public int MinimumExamplesPerLeaf { get; init; } = 40;

    public double LearningRate { get; init; } = 0.05;
}

/// <summary>
/// The one seam to ML.NET: gradient-boosted trees (FastTree, binary) trained single-threaded from an explicit seed; the
/// model bytes are ML.NET's own. For scoring, the trained ensemble (bias + Σ weight·leaf) is read out of the ML.NET model
/// into flat arrays and walked directly: thread-safe, allocation-light and a few microseconds, where ML.NET's prediction
/// engine with its feature-contribution transform took ~100 µs at p50 and milliseconds at p99.
/// Contributions are counterfactual per split: at each split on the path, the leaf reached minus the leaf reached had
/// the split gone the other way (the rest of the path followed as the input says), credited to the split's slot.
/// </summary>
internal sealed class FastTreeScorer
{
    /// <summary>A fixed zip timestamp: ML.NET stamps entries with the wall clock, which would make equal models differ in bytes.</summary>
    private static readonly DateTimeOffset ZipTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private FastTreeScorer(ITransformer model, int slots, byte[] bytes)
    {
        Transformer = model;
        Bytes = bytes;
        var parameters = (model as IPredictionTransformer<object>)?.Model switch
        {
            CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator> calibrated => calibrated.SubModel,
            FastTreeBinaryModelParameters plain => plain,
            var other => throw new TrustModelException($"The stored trees are a {other?.GetType().Name ?? "null"}, not a FastTree binary model."),
        };
        var ensemble = parameters.TrainedTreeEnsemble;
        Ensemble = new TreeEnsemble(slots, ensemble.Bias, [.. ensemble.Trees.Select((t, i) => TreeEnsemble.Tree.From(t, ensemble.TreeWeights[i], slots))]);
    }

    /// <summary>The trees as flat arrays, for scoring.</summary>
    public TreeEnsemble Ensemble { get; }

    /// <summary>The model as ML.NET saves it, with normalized zip timestamps: equal models give equal bytes.</summary>
    public byte[] Bytes { get; }

    /// <summary>The ML.NET transformer (for cross-checks against ML.NET's own scoring).</summary>
    internal ITransformer Transformer { get; }

    public static FastTreeScorer Train(IReadOnlyList<float[]> rows, IReadOnlyList<bool> labels, BoostedTreeSettings settings, int seed)
    {
        var slots = rows[0].Length;
        var ml = new MLContext(seed);
        var data = ml.Data.LoadFromEnumerable(rows.Select((r, i) => new TreeInput { Features = r, Label = labels[i] }), Schema(slots));
        var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            NumberOfTrees = settings.Trees,
            NumberOfLeaves = settings.Leaves,
            MinimumExampleCountPerLeaf = settings.MinimumExamplesPerLeaf,
            LearningRate = settings.LearningRate,
            NumberOfThreads = 1,
            Seed = seed,
            FeatureColumnName = nameof(TreeInput.Features),
            LabelColumnName = nameof(TreeInput.Label),
        });
        var trees = trainer.Fit(data);
        using var saved = new MemoryStream();
        ml.Model.Save(trees, data.Schema, saved);
        return new FastTreeScorer(trees, slots, Normalize(saved.ToArray()));
    }

    public static FastTreeScorer Load(byte[] bytes, int slots, int seed)
    {
        var ml = new MLContext(seed);
        using var stream = new MemoryStream(bytes, writable: false);
        try
        {
            return new FastTreeScorer(ml.Model.Load(stream, out _), slots, bytes);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or InvalidOperationException)
        {
            throw new TrustModelException($"The stored trees cannot be read: {e.Message}", e);
        }
    }

    private static SchemaDefinition Schema(int slots)
    {
        var schema = SchemaDefinition.Create(typeof(TreeInput));
        schema[nameof(TreeInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, slots);
        return schema;
    }

    private static byte[] Normalize(byte[] zip)
    {
        using var input = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                var copy = archive.CreateEntry(entry.FullName, CompressionLevel.Optimal);
                copy.LastWriteTime = ZipTime;
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        }

        return output.ToArray();
    }
}

/// <summary>
/// A tree ensemble as flat arrays: bias + Σ weight·leaf. Thread-safe and allocation-light. <see cref="Average"/> merges
/// several into one whose score is the mean of theirs (the cross-fitted models a predictor serves).
/// </summary>
internal sealed class TreeEnsemble
{
    private readonly Tree[] _trees;
    private readonly double _bias;

    internal TreeEnsemble(int slots, double bias, Tree[] trees)
    {
        Slots = slots;
        _bias = bias;
        _trees = trees;
    }

    public int Slots { get; }

    public static TreeEnsemble Average(IReadOnlyList<TreeEnsemble> ensembles) =>
        new(ensembles[0].Slots, ensembles.Average(e => e._bias),
            [.. ensembles.SelectMany(e => e._trees.Select(t => t with { Weight = t.Weight / ensembles.Count }))]);

    public int TreeCount => _trees.Length;

    /// <summary>The first <paramref name="trees"/> trees (boosting adds them in order, so this is the model stopped there).</summary>
    public TreeEnsemble Take(int trees) => new(Slots, _bias, _trees[..Math.Min(trees, _trees.Length)]);

    /// <summary>Into <paramref name="prefixes"/>[k]: the raw score of the first (k + 1)·<paramref name="step"/> trees (all of them, when there are fewer).</summary>
    public void ScorePrefixes(ReadOnlySpan<float> slots, int step, Span<double> prefixes)
    {
        var score = _bias;
        var t = 0;
        for (var k = 0; k < prefixes.Length; k++)
        {
            for (var until = Math.Min((k + 1) * step, _trees.Length); t < until; t++)
            {
                score += _trees[t].Weight * _trees[t].Leaf(_trees[t].LeafIndex(slots));
            }

            prefixes[k] = score;
        }
    }

    /// <summary>The raw (uncalibrated) score.</summary>
    public double Score(ReadOnlySpan<float> slots)
    {
        var score = _bias;
        foreach (var tree in _trees)
        {
            score += tree.Weight * tree.Leaf(tree.LeafIndex(slots));
        }

        return score;
    }

    /// <summary>The raw score and each slot's contribution to it.</summary>
    public (double Score, float[] Contributions) ScoreWithContributions(float[] slots) => ScoreWithContributions(slots, _trees.Length);

    /// <summary>The raw score of the first <paramref name="trees"/> trees and each slot's contribution to it.</summary>
    public (double Score, float[] Contributions) ScoreWithContributions(float[] slots, int trees)
    {
        var contributions = new float[Slots];
        var score = _bias;
        Span<int> path = stackalloc int[64];
        foreach (var tree in _trees.AsSpan(0, Math.Min(trees, _trees.Length)))
        {
            var depth = 0;
            var node = tree.Root;
            while (node >= 0)
            {
                path[depth++] = node;
                node = tree.Next(node, slots);
            }

            var leaf = tree.Leaf(~node);
            score += tree.Weight * leaf;
            for (var d = 0; d < depth; d++)
            {
                var split = path[d];
                var other = slots[tree.Feature[split]] <= tree.Threshold[split] ? tree.Gt[split] : tree.Lte[split];
                var flipped = other < 0 ? ~other : tree.LeafIndex(slots, other);
                contributions[tree.Feature[split]] += (float)(tree.Weight * (leaf - tree.Leaf(flipped)));
            }
        }

        return (score, contributions);
    }

    /// <summary>One regression tree, flat. A child index below zero is ~leaf; FastTree sends a value ≤ threshold to the left.</summary>
    internal sealed record Tree(double Weight, int[] Feature, float[] Threshold, int[] Lte, int[] Gt, double[] Leaves)
    {
        public static Tree From(RegressionTree tree, double weight, int slots)
        {
            if (tree.CategoricalSplitFlags.Any(f => f) || tree.NumericalSplitFeatureIndexes.Any(f => f < 0 || f >= slots))
            {
                throw new TrustModelException("The stored trees use splits this scorer does not read.");
            }

            return new Tree(weight, [.. tree.NumericalSplitFeatureIndexes], [.. tree.NumericalSplitThresholds], [.. tree.LeftChild], [.. tree.RightChild], [.. tree.LeafValues]);
        }

        /// <summary>The first node, or ~0 when the tree is a single leaf.</summary>
        public int Root => Leaves.Length == 1 ? ~0 : 0;

        public double Leaf(int leaf) => Leaves[leaf];

        public int Next(int node, ReadOnlySpan<float> slots) => slots[Feature[node]] <= Threshold[node] ? Lte[node] : Gt[node];

        /// <summary>The leaf reached from <paramref name="node"/>.</summary>
        public int LeafIndex(ReadOnlySpan<float> slots) => LeafIndex(slots, Root);

        public int LeafIndex(ReadOnlySpan<float> slots, int node)
        {
            while (node >= 0)
            {
                node = Next(node, slots);
            }

            return ~node;
        }
    }
}

/// <summary>An ML.NET input row (public for ML.NET's reflection).</summary>
public sealed class TreeInput
{
    public float[] Features { get; set; } = [];

    public bool Label { get; set; }
}

