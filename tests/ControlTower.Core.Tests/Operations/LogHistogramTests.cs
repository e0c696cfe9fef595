using ControlTower.Core.Operations;

namespace ControlTower.Core.Tests.Operations;

public sealed class LogHistogramTests
{
    // 2^(1/8) buckets, reported at their geometric middle: at most 2^(1/16) - 1 ≈ 4.4 % off the true value.
    private const double RelativeError = 0.045;

    [Theory]
    [InlineData(50, 500)]
    [InlineData(95, 950)]
    [InlineData(99, 990)]
    [InlineData(100, 1000)]
    public void Percentile_WhenDurationsAreOneToAThousand_IsWithinTheBucketError(double percentile, double expected)
    {
        var histogram = new LogHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            histogram.Record(ms);
        }

        var actual = histogram.Percentile(percentile)!.Value;

        Assert.InRange(actual, expected * (1 - RelativeError), expected * (1 + RelativeError));
    }

    [Fact]
    public void Percentile_WhenTwoPopulationsAreMerged_SeesTheTail()
    {
        var fast = new LogHistogram();
        var slow = new LogHistogram();
        for (var i = 0; i < 90; i++)
        {
            fast.Record(10);
        }

        for (var i = 0; i < 10; i++)
        {
            slow.Record(5000);
        }

        fast.Merge(slow);

        Assert.Equal(100, fast.Count);
        Assert.InRange(fast.Percentile(50)!.Value, 10 * (1 - RelativeError), 10 * (1 + RelativeError));
        Assert.InRange(fast.Percentile(95)!.Value, 5000 * (1 - RelativeError), 5000);
        Assert.Equal(5000, fast.Max);
    }

    [Fact]
    public void Percentile_WhenEmpty_IsNull() => Assert.Null(new LogHistogram().Percentile(50));

    [Fact]
    public void Percentile_WhenValuesAreZero_IsZero()
    {
        var histogram = new LogHistogram();
        histogram.Record(0);
        histogram.Record(0);
        histogram.Record(100);

        Assert.Equal(0, histogram.Percentile(50));
    }
}
