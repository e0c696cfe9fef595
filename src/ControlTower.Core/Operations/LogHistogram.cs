namespace ControlTower.Core.Operations;

/// <summary>
/// A histogram with exponential buckets (each 2^(1/8) wider than the last, so any percentile it reports is
/// within about 4.4 % of the true value), mergeable, of fixed size whatever the number of samples.
/// Values at or below zero share one bucket. Not thread-safe: its owner serializes access.
/// </summary>
public sealed class LogHistogram
{
    /// <summary>Buckets per doubling: the resolution.</summary>
    public const int Scale = 8;

    // Covers 2^-10 .. 2^40 (about 1 µs to 35 years in milliseconds); values outside are clamped into the edge buckets.
    private const int MinExponent = -10;
    private const int MaxExponent = 40;
    private const int BucketCount = (MaxExponent - MinExponent) * Scale;

    private readonly long[] _buckets = new long[BucketCount];
    private long _zeroes;

    public long Count { get; private set; }

    public double Sum { get; private set; }

    public double Max { get; private set; }

    public void Record(double value)
    {
        Count++;
        Sum += value;
        Max = Count == 1 ? value : Math.Max(Max, value);
        if (value <= 0)
        {
            _zeroes++;
            return;
        }

        _buckets[IndexOf(value)]++;
    }

    public void Merge(LogHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return;
        }

        Max = Count == 0 ? other.Max : Math.Max(Max, other.Max);
        Count += other.Count;
        Sum += other.Sum;
        _zeroes += other._zeroes;
        for (var i = 0; i < BucketCount; i++)
        {
            _buckets[i] += other._buckets[i];
        }
    }

    /// <summary>
    /// The nearest-rank percentile (<paramref name="percentile"/> in 0..100): the geometric middle of the bucket
    /// that holds the sample of that rank, never above the largest sample seen. Null when empty.
    /// </summary>
    public double? Percentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (Count == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * Count));
        var seen = _zeroes;
        if (seen >= rank)
        {
            return 0;
        }

        for (var i = 0; i < BucketCount; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return Math.Min(Max, Middle(i));
            }
        }

        return Max;
    }

    private static int IndexOf(double value)
    {
        var index = (int)Math.Floor(Math.Log2(value) * Scale) - (MinExponent * Scale);
        return Math.Clamp(index, 0, BucketCount - 1);
    }

    private static double Middle(int index) => Math.Pow(2, (index + (MinExponent * Scale) + 0.5) / Scale);
}
