namespace ControlTower.Core.Trust.Learning;

/// <summary>One bin of a reliability diagram: the mean prediction and the observed rate of its examples.</summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanPredicted, double ObservedRate);

/// <summary>A confidence interval of a rate.</summary>
public sealed record RateInterval(double Rate, double Lower, double Upper, int Count);

/// <summary>Scoring rules and drift measures of probabilistic predictions, all pure.</summary>
public static class TrustMetrics
{
    /// <summary>The area under the ROC curve (ties count half); NaN when one class is absent.</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double positives = labels.Count(l => l), negatives = labels.Count - positives, rankSum = 0;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]])
            {
                end++;
            }

            var meanRank = ((start + end) / 2.0) + 1;
            for (var k = start; k <= end; k++)
            {
                rankSum += labels[order[k]] ? meanRank : 0;
            }

            start = end + 1;
        }

        return (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }

    /// <summary>The mean squared error of the probabilities.</summary>
    public static double Brier(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels) =>
        probabilities.Count == 0 ? double.NaN : probabilities.Select((p, i) => Math.Pow(p - (labels[i] ? 1 : 0), 2)).Average();

    /// <summary>Equal-width bins over [0, 1]; empty bins are left out.</summary>
    public static IReadOnlyList<ReliabilityBin> Reliability(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, int bins = 10)
    {
        var count = new int[bins];
        var sumPredicted = new double[bins];
        var positives = new int[bins];
        for (var i = 0; i < probabilities.Count; i++)
        {
            var bin = Math.Clamp((int)(probabilities[i] * bins), 0, bins - 1);
            count[bin]++;
            sumPredicted[bin] += probabilities[i];
            positives[bin] += labels[i] ? 1 : 0;
        }

        return Enumerable.Range(0, bins)
            .Where(b => count[b] > 0)
            .Select(b => new ReliabilityBin(b / (double)bins, (b + 1) / (double)bins, count[b], sumPredicted[b] / count[b], positives[b] / (double)count[b]))
            .ToList();
    }

    /// <summary>Expected calibration error: the count-weighted mean gap between prediction and observed rate per bin.</summary>
    public static double Ece(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, int bins = 10) =>
        probabilities.Count == 0
            ? double.NaN
            : Reliability(probabilities, labels, bins).Sum(b => b.Count * Math.Abs(b.MeanPredicted - b.ObservedRate)) / probabilities.Count;

    /// <summary>The Wilson score interval of <paramref name="successes"/> out of <paramref name="count"/> (z = 1.96 is 95%).</summary>
    public static RateInterval Wilson(int successes, int count, double z = 1.96)
    {
        if (count <= 0)
        {
            return new RateInterval(double.NaN, 0, 1, 0);
        }

        var p = successes / (double)count;
        var z2 = z * z;
        var centre = (p + (z2 / (2 * count))) / (1 + (z2 / count));
        var half = z * Math.Sqrt((p * (1 - p) / count) + (z2 / (4.0 * count * count))) / (1 + (z2 / count));
        return new RateInterval(p, Math.Max(0, centre - half), Math.Min(1, centre + half), count);
    }

    /// <summary>
    /// The population stability index of <paramref name="actual"/> against <paramref name="expected"/>, over bins at the
    /// expected sample's quantiles (fewer when values repeat). Empty bins get a small floor so the index stays finite.
    /// </summary>
    public static double Psi(IReadOnlyList<double> expected, IReadOnlyList<double> actual, int bins = 10)
    {
        if (expected.Count == 0 || actual.Count == 0)
        {
            return 0;
        }

        var sorted = expected.Order().ToArray();
        var edges = Enumerable.Range(1, bins - 1).Select(b => sorted[(int)((long)b * (sorted.Length - 1) / bins)]).Distinct().ToArray();
        var e = Histogram(expected, edges);
        var a = Histogram(actual, edges);
        const double floor = 1e-4;
        double psi = 0;
        for (var b = 0; b < e.Length; b++)
        {
            var pe = Math.Max(e[b] / expected.Count, floor);
            var pa = Math.Max(a[b] / actual.Count, floor);
            psi += (pa - pe) * Math.Log(pa / pe);
        }

        return psi;
    }

    private static double[] Histogram(IReadOnlyList<double> values, double[] edges)
    {
        var counts = new double[edges.Length + 1];
        foreach (var value in values)
        {
            var bin = Array.BinarySearch(edges, value);
            counts[bin >= 0 ? bin : ~bin]++;
        }

        return counts;
    }
}
