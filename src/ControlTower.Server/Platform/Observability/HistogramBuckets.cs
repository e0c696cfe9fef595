using System.Diagnostics.Metrics;

namespace ControlTower.Server.Platform.Observability;

/// <summary>
/// Exponential bucket boundaries (powers of two) given to histograms as advice, so every exporter, Prometheus's
/// text format included, gets buckets that keep the same relative precision from a millisecond to an hour.
/// </summary>
internal static class HistogramBuckets
{
    /// <summary>1 ms, 2 ms, 4 ms ... 2^22 ms (about 70 minutes).</summary>
    public static readonly InstrumentAdvice<double> Milliseconds = new() { HistogramBucketBoundaries = Powers(0, 22) };

    /// <summary>1 s, 2 s, 4 s ... 2^20 s (about 12 days): for waits on people.</summary>
    public static readonly InstrumentAdvice<double> Seconds = new() { HistogramBucketBoundaries = Powers(0, 20) };

    private static double[] Powers(int from, int to) => [.. Enumerable.Range(from, to - from + 1).Select(exponent => Math.Pow(2, exponent))];
}
