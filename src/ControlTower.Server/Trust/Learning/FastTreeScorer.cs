using System.IO.Compression;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace ControlTower.Server.Trust.Learning;

/// <summary>Settings of the boosted trees.</summary>
internal sealed record BoostedTreeSettings
{
    public int Trees { get; init; } = 200;

    public int Leaves { get; init; } = 12;

    public int MinimumExamplesPerLeaf { get; init; } = 20;

    public double LearningRate { get; init; } = 0.05;
}

/// <summary>
/// The one seam to ML.NET: gradient-boosted trees (FastTree, binary) trained single-threaded from an explicit seed, their
/// raw score and ML.NET's per-slot feature contributions. Everything around it (features, calibration, manifests) is Core.
/// Thread-safe: prediction engines are pooled, one per concurrent caller.
/// </summary>
internal sealed class FastTreeScorer
{
    /// <summary>A fixed zip timestamp: ML.NET stamps entries with the wall clock, which would make equal models differ in bytes.</summary>
    private static readonly DateTimeOffset ZipTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly SchemaDefinition _schema;
    private readonly ObjectPool<PredictionEngine<TreeInput, TreeOutput>> _engines;

    private FastTreeScorer(MLContext ml, ITransformer model, int slots, byte[] bytes)
    {
        _ml = ml;
        _model = model;
        _schema = Schema(slots);
        Bytes = bytes;
        Slots = slots;
        _engines = new DefaultObjectPool<PredictionEngine<TreeInput, TreeOutput>>(new EnginePolicy(this), Environment.ProcessorCount * 2);
    }

    public int Slots { get; }

    /// <summary>The model as ML.NET saves it, with normalized zip timestamps: equal models give equal bytes.</summary>
    public byte[] Bytes { get; }

    public static FastTreeScorer Train(IReadOnlyList<float[]> rows, IReadOnlyList<bool> labels, BoostedTreeSettings settings, int seed)
    {
        var slots = rows[0].Length;
        var ml = new MLContext(seed);
        var schema = Schema(slots);
        var data = ml.Data.LoadFromEnumerable(rows.Select((r, i) => new TreeInput { Features = r, Label = labels[i] }), schema);
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
        var contributions = ml.Transforms.CalculateFeatureContribution(trees, slots, slots, normalize: false).Fit(trees.Transform(data));
        var chain = new TransformerChain<ITransformer>(trees, contributions);
        using var saved = new MemoryStream();
        ml.Model.Save(chain, data.Schema, saved);
        return new FastTreeScorer(ml, chain, slots, Normalize(saved.ToArray()));
    }

    public static FastTreeScorer Load(byte[] bytes, int slots, int seed)
    {
        var ml = new MLContext(seed);
        using var stream = new MemoryStream(bytes, writable: false);
        var model = ml.Model.Load(stream, out _);
        return new FastTreeScorer(ml, model, slots, bytes);
    }

    /// <summary>The raw (uncalibrated) score and each slot's contribution to it.</summary>
    public (double Score, float[] Contributions) Score(float[] slots)
    {
        var engine = _engines.Get();
        try
        {
            var output = engine.Predict(new TreeInput { Features = slots });
            return (output.Score, output.FeatureContributions ?? new float[Slots]);
        }
        finally
        {
            _engines.Return(engine);
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

    private sealed class EnginePolicy(FastTreeScorer owner) : IPooledObjectPolicy<PredictionEngine<TreeInput, TreeOutput>>
    {
        public PredictionEngine<TreeInput, TreeOutput> Create() =>
            owner._ml.Model.CreatePredictionEngine<TreeInput, TreeOutput>(owner._model, inputSchemaDefinition: owner._schema);

        public bool Return(PredictionEngine<TreeInput, TreeOutput> obj) => true;
    }
}

/// <summary>An ML.NET input row (public for ML.NET's reflection).</summary>
public sealed class TreeInput
{
    public float[] Features { get; set; } = [];

    public bool Label { get; set; }
}

/// <summary>An ML.NET output row (public for ML.NET's reflection).</summary>
public sealed class TreeOutput
{
    public float Score { get; set; }

    public float[]? FeatureContributions { get; set; }
}
