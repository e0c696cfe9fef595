using ControlTower.Core.Trust.Learning;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Trust.Learning;

public sealed class RecencyWeightsTests
{
    private static readonly DateTimeOffset End = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Compute_WhenRowsAreOneAndTwoHalfLivesOld_HalvesAndQuarters()
    {
        var halfLife = TimeSpan.FromHours(10);

        var weights = RecencyWeights.Compute([End, End.AddHours(-10), End.AddHours(-20), End.AddHours(5)], End, halfLife);

        Assert.Equal([1, 0.5, 0.25, 1], weights);
    }

    [Fact]
    public void Compute_WhenARowIsAncient_KeepsTheFloor()
    {
        var weights = RecencyWeights.Compute([End.AddYears(-50)], End, TimeSpan.FromHours(1));

        Assert.Equal(RecencyWeights.Floor, weights[0]);
    }

    [Fact]
    public void Compute_WhenHalfLifeIsNotPositive_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RecencyWeights.Compute([End], End, TimeSpan.Zero));
    }

    [Fact]
    public void Compute_ForAnyTimes_IsDeterministicMonotoneInAgeAndWithinFloorAndOne()
    {
        var ages = Arb.From(Gen.ArrayOf(Gen.Choose(0, 100_000), 30));

        Prop.ForAll(ages, minutes =>
        {
            var times = minutes.Select(m => End.AddMinutes(-m)).ToList();
            var weights = RecencyWeights.Compute(times, End, TimeSpan.FromHours(12));
            Assert.Equal(weights, RecencyWeights.Compute(times, End, TimeSpan.FromHours(12)));
            Assert.All(weights, w => Assert.InRange(w, RecencyWeights.Floor, 1));
            var byAge = minutes.Zip(weights).OrderBy(p => p.First).Select(p => p.Second).ToList();
            Assert.True(byAge.Zip(byAge.Skip(1)).All(p => p.Second <= p.First));
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    [Fact]
    public void EffectiveSampleSize_WhenEqualWeights_IsTheCountAndShrinksWhenUneven()
    {
        Assert.Equal(4, RecencyWeights.EffectiveSampleSize([0.5, 0.5, 0.5, 0.5]), 10);
        Assert.Equal(2.0 * 2.0 / 2.0, RecencyWeights.EffectiveSampleSize([1, 1, 0, 0]), 10);
        Assert.InRange(RecencyWeights.EffectiveSampleSize([1, 0.5, 0.25, 0.125]), 2, 3);
    }

    [Fact]
    public void WeightedCalibrators_WhenAWeightIsTwo_EqualFittingTheRowTwice()
    {
        double[] scores = [-2, -1, -0.5, 0, 0.3, 0.8, 1.5, 2.2, -1.2, 0.1];
        bool[] labels = [false, false, true, false, true, true, true, true, false, false];
        double[] weights = [1, 2, 1, 1, 2, 1, 1, 2, 1, 1];
        var repeated = Enumerable.Range(0, scores.Length).SelectMany(i => Enumerable.Repeat(i, (int)weights[i])).ToList();

        var plattWeighted = ProbabilityCalibrator.FitPlatt(scores, labels, weights);
        var plattRepeated = ProbabilityCalibrator.FitPlatt([.. repeated.Select(i => scores[i])], [.. repeated.Select(i => labels[i])]);
        var isotonicWeighted = ProbabilityCalibrator.FitIsotonic(scores, labels, weights);
        var isotonicRepeated = ProbabilityCalibrator.FitIsotonic([.. repeated.Select(i => scores[i])], [.. repeated.Select(i => labels[i])]);

        Assert.Equal(plattRepeated.A, plattWeighted.A, 9);
        Assert.Equal(plattRepeated.B, plattWeighted.B, 9);
        foreach (var score in new[] { -3, -1.1, 0, 0.5, 1, 3.0 })
        {
            Assert.Equal(isotonicRepeated.Calibrate(score), isotonicWeighted.Calibrate(score), 9);
        }
    }

    [Fact]
    public void FitPlatt_ForAnyWeights_NeverEndsAboveItsStartingLoss()
    {
        var cases = Arb.From(Gen.ArrayOf(Gen.Choose(-300, 800).Select(i => i / 100.0), 60)
            .Zip(Gen.ArrayOf(Gen.Elements(true, false, false), 60))
            .Zip(Gen.ArrayOf(Gen.Elements(1e-6, 0.01, 1.0), 60)));

        Prop.ForAll(cases, c =>
        {
            var ((scores, labels), weights) = c;
            var platt = ProbabilityCalibrator.FitPlatt(scores, labels, weights);
            Assert.True(double.IsFinite(platt.A) && double.IsFinite(platt.B));
            Assert.True(Loss(platt.A, platt.B) <= Loss(1, 0) + 1e-9, $"a {platt.A}, b {platt.B}");
            return true;

            // Platt's objective: cross-entropy against its smoothed targets, (P + 1)/(P + 2) and 1/(N + 2) in weighted counts.
            double Loss(double a, double b)
            {
                var positives = weights.Where((_, i) => labels[i]).Sum();
                var negatives = weights.Sum() - positives;
                return scores.Select((s, i) =>
                {
                    var p = Math.Clamp(1 / (1 + Math.Exp(-((a * s) + b))), 1e-15, 1 - 1e-15);
                    var target = labels[i] ? (positives + 1) / (positives + 2) : 1 / (negatives + 2);
                    return weights[i] * -((target * Math.Log(p)) + ((1 - target) * Math.Log(1 - p)));
                }).Sum();
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Choose_WhenRecentRowsAreWeighted_CalibratesToTheRecentRate()
    {
        // Scores carry no signal (period 7 against the labels' period 10); the rate falls from 0.8 to 0.4 halfway.
        var scores = Enumerable.Range(0, 2100).Select(i => (i % 7) / 7.0).ToList();
        var labels = Enumerable.Range(0, 2100).Select(i => i < 1050 ? i % 10 < 8 : i % 10 < 4).ToList();
        var recent = Enumerable.Range(0, 2100).Select(i => i < 1050 ? 0.01 : 1.0).ToList();

        var (flat, _) = ProbabilityCalibrator.Choose(scores, labels);
        var (weighted, _) = ProbabilityCalibrator.Choose(scores, labels, recent);

        Assert.InRange(scores.Average(flat.Calibrate), 0.55, 0.65);
        Assert.InRange(scores.Average(weighted.Calibrate), 0.37, 0.44);
    }

    [Fact]
    public void ChooseForCalibration_WhenTheRateDrifts_PicksAHalfLifeAndWhenStationary_None()
    {
        var start = End.AddDays(-30);
        var times = Enumerable.Range(0, 3000).Select(i => start.AddMinutes(10 * i)).ToList();
        var scores = Enumerable.Range(0, 3000).Select(i => (i % 7) / 7.0).ToList();
        var drifting = Enumerable.Range(0, 3000).Select(i => (i % 10) < 9 - (7 * i / 3000)).ToList();
        var stationary = Enumerable.Range(0, 3000).Select(i => (i * 7919 % 1000) < 600 + (300 * (i % 7) / 7)).ToList();

        var drift = RecencyWeights.ChooseForCalibration(scores, labels: drifting, times, [1, 0.5, 0.25]);
        var flat = RecencyWeights.ChooseForCalibration(scores, labels: stationary, times, [1, 0.5, 0.25]);

        Assert.NotNull(drift.HalfLife);
        Assert.Equal(4, drift.Candidates.Count);
        Assert.Null(flat.HalfLife);
        Assert.Equal(flat, RecencyWeights.ChooseForCalibration(scores, stationary, times, [1, 0.5, 0.25]), HalfLifeChoiceComparer.Instance);
    }

    private sealed class HalfLifeChoiceComparer : IEqualityComparer<HalfLifeChoice>
    {
        public static readonly HalfLifeChoiceComparer Instance = new();

        public bool Equals(HalfLifeChoice? x, HalfLifeChoice? y) => x!.HalfLife == y!.HalfLife && x.Candidates.SequenceEqual(y.Candidates);

        public int GetHashCode(HalfLifeChoice obj) => 0;
    }
}
