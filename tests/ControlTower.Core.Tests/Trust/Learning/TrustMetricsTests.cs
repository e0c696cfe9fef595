using ControlTower.Core.Trust.Learning;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Trust.Learning;

public sealed class TrustMetricsTests
{
    [Fact]
    public void Auc_WhenPerfectReversedOrTied_IsOneZeroOrHalf()
    {
        bool[] labels = [false, false, true, true];

        Assert.Equal(1, TrustMetrics.Auc([0.1, 0.2, 0.8, 0.9], labels));
        Assert.Equal(0, TrustMetrics.Auc([0.9, 0.8, 0.2, 0.1], labels));
        Assert.Equal(0.5, TrustMetrics.Auc([0.5, 0.5, 0.5, 0.5], labels));
        Assert.Equal(0.75, TrustMetrics.Auc([0.1, 0.6, 0.5, 0.9], labels));
        Assert.True(double.IsNaN(TrustMetrics.Auc([0.1, 0.2], [true, true])));
    }

    [Fact]
    public void BrierAndEce_WhenPredictionsMatchRatesPerBin_AreTheKnownValues()
    {
        double[] p = [0.25, 0.25, 0.25, 0.25, 0.95];
        bool[] y = [true, false, false, false, true];

        Assert.Equal(((0.75 * 0.75) + (3 * 0.0625) + 0.0025) / 5, TrustMetrics.Brier(p, y), 10);
        Assert.Equal(0.05 / 5, TrustMetrics.Ece(p, y), 10);
        var bins = TrustMetrics.Reliability(p, y);
        Assert.Equal([2, 9], bins.Select(b => (int)(b.Lower * 10)));
        Assert.Equal(0.25, bins[0].ObservedRate);
    }

    [Fact]
    public void Wilson_For8Of10_IsTheTextbookInterval()
    {
        var interval = TrustMetrics.Wilson(8, 10);

        Assert.Equal(0.8, interval.Rate);
        Assert.Equal(0.490, interval.Lower, 3);
        Assert.Equal(0.943, interval.Upper, 3);
    }

    [Fact]
    public void Wilson_ForAnyCounts_ContainsTheRateInsideZeroOne()
    {
        var cases = Arb.From(from n in Gen.Choose(1, 5000) from k in Gen.Choose(0, n) select (k, n));

        Prop.ForAll(cases, c =>
        {
            var i = TrustMetrics.Wilson(c.k, c.n);
            Assert.InRange(i.Lower, 0, i.Rate + 1e-12);
            Assert.InRange(i.Upper, i.Rate - 1e-12, 1);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Psi_WhenSameDistribution_IsNearZeroAndWhenShifted_IsLarge()
    {
        var expected = Enumerable.Range(0, 1000).Select(i => i / 10.0).ToList();
        var same = Enumerable.Range(0, 500).Select(i => (i * 2 + 1) / 10.0).ToList();
        var shifted = expected.Select(v => v + 40).ToList();

        Assert.InRange(TrustMetrics.Psi(expected, same), 0, 0.02);
        Assert.True(TrustMetrics.Psi(expected, shifted) > 0.25);
    }

    [Fact]
    public void Isotonic_ForAnyScores_IsMonotoneAndPlattRecoversALogisticCurve()
    {
        var cases = Arb.From(Gen.ArrayOf(Gen.Choose(0, 1000).Select(i => i / 1000.0), 50).Zip(Gen.ArrayOf(Gen.Elements(true, false), 50)));

        Prop.ForAll(cases, c =>
        {
            var isotonic = ProbabilityCalibrator.FitIsotonic(c.Item1, c.Item2);
            var outputs = Enumerable.Range(0, 101).Select(i => isotonic.Calibrate(i / 100.0)).ToList();
            Assert.True(outputs.Zip(outputs.Skip(1)).All(p => p.Second >= p.First - 1e-12));
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));

        var scores = Enumerable.Range(0, 4000).Select(i => (i - 2000) / 500.0).ToList();
        var labels = scores.Select((s, i) => (i * 7919 % 1000) / 1000.0 < 1 / (1 + Math.Exp(-(2 * s - 1)))).ToList();
        var platt = ProbabilityCalibrator.FitPlatt(scores, labels);
        Assert.Equal(2, platt.A, 0);
        Assert.InRange(platt.B, -1.4, -0.6);
    }
}
