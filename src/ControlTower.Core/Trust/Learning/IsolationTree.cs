using System.Text.Json.Serialization;

namespace ControlTower.Core.Trust.Learning;

/// <summary>
/// One isolation tree, flat: node i splits slot <see cref="Feature"/>[i] at <see cref="Threshold"/>[i] (values below go
/// left) or is a leaf (<see cref="Feature"/>[i] = -1) holding <see cref="Size"/>[i] training rows.
/// </summary>
internal sealed record IsolationTree(
    [property: JsonPropertyName("f")] int[] Feature,
    [property: JsonPropertyName("t")] float[] Threshold,
    [property: JsonPropertyName("l")] int[] Left,
    [property: JsonPropertyName("r")] int[] Right,
    [property: JsonPropertyName("n")] int[] Size)
{
    public static IsolationTree Grow(float[][] rows, bool[] usedSlots, int sampleSize, ref SplitMix64 random)
    {
        var indices = Enumerable.Range(0, rows.Length).ToArray();
        for (var i = 0; i < sampleSize; i++)
        {
            var j = i + random.NextInt(rows.Length - i);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }

        var builder = new Builder(rows, usedSlots, (int)Math.Ceiling(Math.Log2(Math.Max(sampleSize, 2))));
        builder.Add(indices[..sampleSize], 0, ref random);
        return new IsolationTree([.. builder.Feature], [.. builder.Threshold], [.. builder.Left], [.. builder.Right], [.. builder.Size]);
    }

    /// <summary>The path length h(x): the depth reached plus c(size) for the rows the leaf did not separate.</summary>
    public double PathLength(ReadOnlySpan<float> slots, double[]? splitsPerSlot)
    {
        var node = 0;
        var depth = 0;
        while (Feature[node] >= 0)
        {
            if (splitsPerSlot is not null)
            {
                splitsPerSlot[Feature[node]]++;
            }

            node = slots[Feature[node]] < Threshold[node] ? Left[node] : Right[node];
            depth++;
        }

        return depth + AnomalyDetector.AveragePath(Size[node]);
    }

    private sealed class Builder(float[][] rows, bool[] usedSlots, int maxDepth)
    {
        public List<int> Feature { get; } = [];

        public List<float> Threshold { get; } = [];

        public List<int> Left { get; } = [];

        public List<int> Right { get; } = [];

        public List<int> Size { get; } = [];

        public int Add(int[] members, int depth, ref SplitMix64 random)
        {
            var node = Feature.Count;
            Feature.Add(-1);
            Threshold.Add(0);
            Left.Add(-1);
            Right.Add(-1);
            Size.Add(members.Length);
            if (members.Length <= 1 || depth >= maxDepth || !TryPickSplit(members, ref random, out var slot, out var threshold))
            {
                return node;
            }

            Feature[node] = slot;
            Threshold[node] = threshold;
            var left = members.Where(m => rows[m][slot] < threshold).ToArray();
            var right = members.Where(m => rows[m][slot] >= threshold).ToArray();
            Left[node] = Add(left, depth + 1, ref random);
            Right[node] = Add(right, depth + 1, ref random);
            return node;
        }

        /// <summary>A slot chosen uniformly among those that vary in this node, split uniformly inside its range.</summary>
        private bool TryPickSplit(int[] members, ref SplitMix64 random, out int slot, out float threshold)
        {
            var varying = new List<(int Slot, float Min, float Max)>();
            for (var s = 0; s < usedSlots.Length; s++)
            {
                if (!usedSlots[s])
                {
                    continue;
                }

                float min = float.MaxValue, max = float.MinValue;
                foreach (var m in members)
                {
                    min = Math.Min(min, rows[m][s]);
                    max = Math.Max(max, rows[m][s]);
                }

                if (max > min)
                {
                    varying.Add((s, min, max));
                }
            }

            if (varying.Count == 0)
            {
                (slot, threshold) = (-1, 0);
                return false;
            }

            var pick = varying[random.NextInt(varying.Count)];
            slot = pick.Slot;
            // Strictly above the minimum, so both sides get at least one row.
            threshold = Math.Max(pick.Min + ((pick.Max - pick.Min) * (float)random.NextDouble()), MathF.BitIncrement(pick.Min));
            return true;
        }
    }
}
