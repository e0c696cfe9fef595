using System.Text.Json;
using ControlTower.Core.Trust.Learning;

namespace ControlTower.Core.Tests.Trust.Learning;

public sealed class SplineLogisticTests
{
    /// <summary>Rows of [a 0/1 flag, a number in 0..10, a constant]; the true logit is −1 + 2·flag + a hinge in the number at 5.</summary>
    private static (List<float[]> Rows, List<bool> Labels, List<double> Truth) Data(int count, ulong seed)
    {
        var random = new SplitMix64(seed);
        var rows = new List<float[]>();
        var labels = new List<bool>();
        var truth = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var flag = random.NextDouble() < 0.4 ? 1f : 0f;
            var x = (float)Math.Round(10 * random.NextDouble(), 2);
            var p = 1 / (1 + Math.Exp(-(-1 + (2 * flag) + (0.8 * Math.Max(0, x - 5)))));
            rows.Add([flag, x, 3f]);
            labels.Add(random.NextDouble() < p);
            truth.Add(p);
        }

        return (rows, labels, truth);
    }

    [Fact]
    public void Basis_DropsConstantSlotsKeepsBinaryOnesLinearAndGivesNumbersHingesInsideTheirRange()
    {
        var (rows, _, _) = Data(500, 1);

        var basis = SplineLogistic.Basis(rows);

        Assert.DoesNotContain(basis, c => c.Slot == 2);
        Assert.Equal([null], basis.Where(c => c.Slot == 0).Select(c => c.Knot));
        var knots = basis.Where(c => c.Slot == 1 && c.Knot is not null).Select(c => c.Knot!.Value).ToList();
        Assert.Equal(SplineLogistic.Knots, knots.Count);
        Assert.All(knots, k => Assert.InRange(k, 0.5, 9.5));
        Assert.All(basis, c => Assert.True(c.Scale > 0));
    }

    [Fact]
    public void Fit_WhenTheTruthIsAHingeAndAFlag_RecoversTheTrueProbabilities()
    {
        var (rows, labels, _) = Data(4000, 2);
        var (fresh, _, truth) = Data(1000, 3);

        var model = SplineLogistic.Fit(rows, labels, SplineLogistic.Basis(rows), 1);

        var error = fresh.Select((r, i) => Math.Abs((1 / (1 + Math.Exp(-model.Score(r)))) - truth[i])).Average();
        Assert.InRange(error, 0, 0.04);
        var contributions = new float[3];
        model.AddContributions(fresh[0], 1, contributions);
        Assert.Equal(model.Score(fresh[0]) - model.Intercept, contributions.Sum(), 4);
    }

    [Fact]
    public void Fit_WhenThePenaltyGrows_ShrinksTheWeights()
    {
        var (rows, labels, _) = Data(1000, 4);
        var basis = SplineLogistic.Basis(rows);

        var loose = SplineLogistic.Fit(rows, labels, basis, 0.1);
        var tight = SplineLogistic.Fit(rows, labels, basis, 1000);

        Assert.True(tight.Weights.Sum(w => w * w) < loose.Weights.Sum(w => w * w) / 4);
    }

    [Fact]
    public void Fit_WhenSameRows_GivesTheSameModelAndItRoundTripsThroughJson()
    {
        var (rows, labels, _) = Data(800, 5);
        var basis = SplineLogistic.Basis(rows);

        var first = SplineLogistic.Fit(rows, labels, basis, 4);
        var second = SplineLogistic.Fit(rows, labels, basis, 4);
        var json = JsonSerializer.Serialize(first);
        var loaded = JsonSerializer.Deserialize<SplineLogistic>(json)!;

        Assert.Equal(json, JsonSerializer.Serialize(second));
        Assert.Equal(first.Score(rows[7]), loaded.Score(rows[7]));
    }

    [Fact]
    public void Average_ScoresTheMeanOfTheModelsScores()
    {
        var (rows, labels, _) = Data(900, 6);
        var basis = SplineLogistic.Basis(rows);
        var a = SplineLogistic.Fit(rows[..450], labels[..450], basis, 2);
        var b = SplineLogistic.Fit(rows[450..], labels[450..], basis, 2);

        var mean = SplineLogistic.Average([a, b]);

        Assert.Equal((a.Score(rows[3]) + b.Score(rows[3])) / 2, mean.Score(rows[3]), 10);
    }
}
