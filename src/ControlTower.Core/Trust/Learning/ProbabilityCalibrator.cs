using System.Text.Json.Serialization;

namespace ControlTower.Core.Trust.Learning;

/// <summary>
/// Maps a model's raw score to a probability. <c>platt</c>: a logistic curve a·score + b fit by Newton's method with Platt's
/// smoothed targets. <c>isotonic</c>: pool-adjacent-violators, then linear between the blocks' mean scores.
/// </summary>
public sealed record ProbabilityCalibrator(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("a")] double A,
    [property: JsonPropertyName("b")] double B,
    [property: JsonPropertyName("x")] IReadOnlyList<double> X,
    [property: JsonPropertyName("y")] IReadOnlyList<double> Y)
{
    public const string Platt = "platt";
    public const string Isotonic = "isotonic";

    /// <summary>Probabilities stay inside [Floor, 1 - Floor]: no model is ever certain.</summary>
    public const double Floor = 1e-3;

    public double Calibrate(double score)
    {
        double p;
        if (Method == Platt)
        {
            p = 1 / (1 + Math.Exp(-((A * score) + B)));
        }
        else if (score <= X[0])
        {
            p = Y[0];
        }
        else if (score >= X[^1])
        {
            p = Y[^1];
        }
        else
        {
            var i = 0;
            var hi = X.Count - 1;
            while (hi - i > 1)
            {
                var mid = (i + hi) / 2;
                (i, hi) = X[mid] <= score ? (mid, hi) : (i, mid);
            }

            var t = (score - X[i]) / (X[i + 1] - X[i]);
            p = Y[i] + (t * (Y[i + 1] - Y[i]));
        }

        return Math.Clamp(p, Floor, 1 - Floor);
    }

    /// <summary>Platt scaling; <paramref name="weights"/> (null: all 1) scale each example's share of the likelihood.</summary>
    public static ProbabilityCalibrator FitPlatt(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, IReadOnlyList<double>? weights = null)
    {
        double positives = 0, negatives = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            (positives, negatives) = labels[i] ? (positives + Weight(weights, i), negatives) : (positives, negatives + Weight(weights, i));
        }

        var hiTarget = (positives + 1) / (positives + 2);
        var loTarget = 1 / (negatives + 2);
        double a = 1, b = 0;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double g1 = 0, g2 = 0, h11 = 1e-9, h22 = 1e-9, h12 = 0;
            for (var i = 0; i < scores.Count; i++)
            {
                var p = 1 / (1 + Math.Exp(-((a * scores[i]) + b)));
                var weight = Weight(weights, i);
                var d = weight * (p - (labels[i] ? hiTarget : loTarget));
                var w = weight * p * (1 - p);
                g1 += d * scores[i];
                g2 += d;
                h11 += w * scores[i] * scores[i];
                h22 += w;
                h12 += w * scores[i];
            }

            var det = (h11 * h22) - (h12 * h12);
            if (Math.Abs(det) < 1e-12)
            {
                break;
            }

            var da = ((h22 * g1) - (h12 * g2)) / det;
            var db = ((h11 * g2) - (h12 * g1)) / det;
            var loss = PlattLoss(a, b);
            var step = 1.0;
            while (step > 1e-10 && PlattLoss(a - (step * da), b - (step * db)) > loss)
            {
                step /= 2;
            }

            a -= step * da;
            b -= step * db;
            if (step * (Math.Abs(da) + Math.Abs(db)) < 1e-9)
            {
                break;
            }
        }

        return new ProbabilityCalibrator(Platt, a, b, [], []);

        // The (weighted) cross-entropy against the smoothed targets; a Newton step that raises it is halved until it does not
        // (a full step can overshoot, e.g. when recency weights leave few effective rows).
        double PlattLoss(double slope, double intercept)
        {
            var loss = 0.0;
            for (var i = 0; i < scores.Count; i++)
            {
                var z = (slope * scores[i]) + intercept;
                var target = labels[i] ? hiTarget : loTarget;
                loss += Weight(weights, i) * ((target * Softplus(-z)) + ((1 - target) * Softplus(z)));
            }

            return loss;
        }
    }

    /// <summary>log(1 + e^z) without overflow.</summary>
    private static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));

    /// <summary>Isotonic regression (pool-adjacent-violators); <paramref name="weights"/> (null: all 1) weight each example.</summary>
    public static ProbabilityCalibrator FitIsotonic(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, IReadOnlyList<double>? weights = null)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ThenBy(i => i).ToArray();
        var sumX = new List<double>();
        var sumY = new List<double>();
        var weight = new List<double>();
        foreach (var i in order)
        {
            var w = Weight(weights, i);
            sumX.Add(w * scores[i]);
            sumY.Add(labels[i] ? w : 0);
            weight.Add(w);
            while (sumY.Count > 1 && (sumY[^2] / weight[^2]) >= (sumY[^1] / weight[^1]))
            {
                sumX[^2] += sumX[^1];
                sumY[^2] += sumY[^1];
                weight[^2] += weight[^1];
                sumX.RemoveAt(sumX.Count - 1);
                sumY.RemoveAt(sumY.Count - 1);
                weight.RemoveAt(weight.Count - 1);
            }
        }

        var x = sumX.Select((s, k) => s / weight[k]).ToList();
        var y = sumY.Select((s, k) => s / weight[k]).ToList();
        if (x.Count == 1)
        {
            x.Add(x[0] + 1);
            y.Add(y[0]);
        }

        return new ProbabilityCalibrator(Isotonic, 0, 0, x, y);
    }

    /// <summary>
    /// Chooses Platt or isotonic on held-out data: each is fit on one half and scored (weighted Brier) on the other, both
    /// ways; the lower total wins (Platt on a tie, being the simpler), and is refit on all of it. Returns the cross-fitted
    /// probabilities of the winner too, an honest estimate of how it does on unseen data. <paramref name="weights"/>
    /// (null: all 1) weight every fit and score, e.g. by recency.
    /// </summary>
    public static (ProbabilityCalibrator Calibrator, double[] CrossFitted) Choose(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, IReadOnlyList<double>? weights = null)
    {
        var platt = CrossFit(scores, labels, weights, FitPlatt);
        var isotonic = CrossFit(scores, labels, weights, FitIsotonic);
        var useIsotonic = WeightedBrier(isotonic, labels, weights) < WeightedBrier(platt, labels, weights);
        return useIsotonic ? (FitIsotonic(scores, labels, weights), isotonic) : (FitPlatt(scores, labels, weights), platt);
    }

    private static double Weight(IReadOnlyList<double>? weights, int i) => weights?[i] ?? 1;

    private static double WeightedBrier(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, IReadOnlyList<double>? weights)
    {
        double loss = 0, total = 0;
        for (var i = 0; i < probabilities.Count; i++)
        {
            var w = Weight(weights, i);
            loss += w * Math.Pow(probabilities[i] - (labels[i] ? 1 : 0), 2);
            total += w;
        }

        return loss / total;
    }

    private static double[] CrossFit(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, IReadOnlyList<double>? weights,
        Func<IReadOnlyList<double>, IReadOnlyList<bool>, IReadOnlyList<double>?, ProbabilityCalibrator> fit)
    {
        var result = new double[scores.Count];
        for (var fold = 0; fold < 2; fold++)
        {
            var train = Enumerable.Range(0, scores.Count).Where(i => i % 2 != fold).ToList();
            var calibrator = fit([.. train.Select(i => scores[i])], [.. train.Select(i => labels[i])], weights is null ? null : [.. train.Select(i => weights[i])]);
            for (var i = fold; i < scores.Count; i += 2)
            {
                result[i] = calibrator.Calibrate(scores[i]);
            }
        }

        return result;
    }
}
