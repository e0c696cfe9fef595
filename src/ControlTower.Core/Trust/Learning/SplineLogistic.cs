using System.Text.Json.Serialization;

namespace ControlTower.Core.Trust.Learning;

/// <summary>
/// One input column of <see cref="SplineLogistic"/>: the slot's value itself (<see cref="Knot"/> null) or its hinge
/// max(0, value − knot), centred by <see cref="Mean"/> and divided by <see cref="Scale"/> (the training standard deviation,
/// so one ridge penalty fits every column).
/// </summary>
public sealed record SplineColumn(
    [property: JsonPropertyName("slot")] int Slot,
    [property: JsonPropertyName("knot")] double? Knot,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("scale")] double Scale)
{
    public double Value(ReadOnlySpan<float> slots)
    {
        var x = (double)slots[Slot];
        var raw = Knot is { } knot ? Math.Max(0, x - knot) : x;
        return (raw - Mean) / Scale;
    }
}

/// <summary>
/// L2-penalized (ridge) logistic regression over encoded slots, each numeric slot expanded into a piecewise-linear spline
/// (hinges at training quantiles), binary slots as they are: an additive, smooth, low-variance model to blend with the
/// boosted trees. Fit by Newton's method with step halving: deterministic (plain sequential arithmetic, no randomness).
/// The score is the logit; each slot's contribution is the sum of its columns' weight·value (values are centred, so
/// the contributions sum to the score minus the intercept).
/// </summary>
public sealed record SplineLogistic(
    [property: JsonPropertyName("penalty")] double Penalty,
    [property: JsonPropertyName("intercept")] double Intercept,
    [property: JsonPropertyName("columns")] IReadOnlyList<SplineColumn> Columns,
    [property: JsonPropertyName("weights")] IReadOnlyList<double> Weights)
{
    /// <summary>Interior knots per numeric slot (at the 1/(K+1) … K/(K+1) quantiles of its training values).</summary>
    public const int Knots = 4;

    public double Score(ReadOnlySpan<float> slots)
    {
        var z = Intercept;
        for (var c = 0; c < Columns.Count; c++)
        {
            z += Weights[c] * Columns[c].Value(slots);
        }

        return z;
    }

    /// <summary>Adds <paramref name="scale"/>·(each slot's contribution to the score) into <paramref name="contributions"/>.</summary>
    public void AddContributions(ReadOnlySpan<float> slots, double scale, Span<float> contributions)
    {
        for (var c = 0; c < Columns.Count; c++)
        {
            contributions[Columns[c].Slot] += (float)(scale * Weights[c] * Columns[c].Value(slots));
        }
    }

    /// <summary>
    /// The columns for these rows (labels are not looked at, so the basis can be learnt on all rows before cross-fitting):
    /// constant slots are dropped, 0/1 slots kept as they are, other slots get a linear column and hinges at
    /// <see cref="Knots"/> interior quantiles (distinct, strictly inside the observed range).
    /// </summary>
    public static IReadOnlyList<SplineColumn> Basis(IReadOnlyList<float[]> rows)
    {
        var columns = new List<SplineColumn>();
        for (var s = 0; s < rows[0].Length; s++)
        {
            var values = rows.Select(r => (double)r[s]).Order().ToArray();
            if (values[0] == values[^1])
            {
                continue;
            }

            AddColumn(columns, rows, s, null);
            if (values.All(v => v is 0 or 1))
            {
                continue;
            }

            var knots = Enumerable.Range(1, Knots)
                .Select(k => values[(int)Math.Floor(k * (values.Length - 1) / (double)(Knots + 1))])
                .Where(k => k > values[0] && k < values[^1])
                .Distinct();
            foreach (var knot in knots)
            {
                AddColumn(columns, rows, s, knot);
            }
        }

        return columns;
    }

    private static void AddColumn(List<SplineColumn> columns, IReadOnlyList<float[]> rows, int slot, double? knot)
    {
        var raw = rows.Select(r => knot is { } k ? Math.Max(0, r[slot] - k) : r[slot]).ToArray();
        var mean = raw.Average();
        var sd = Math.Sqrt(raw.Sum(v => (v - mean) * (v - mean)) / raw.Length);
        if (sd > 1e-9)
        {
            columns.Add(new SplineColumn(slot, knot, mean, sd));
        }
    }

    /// <summary>
    /// Minimizes the log loss summed over the rows plus <paramref name="penalty"/>/2 · Σ weight² (the intercept is not
    /// penalized) by Newton's method; a step that raises the objective is halved until it does not.
    /// </summary>
    public static SplineLogistic Fit(IReadOnlyList<float[]> rows, IReadOnlyList<bool> labels, IReadOnlyList<SplineColumn> columns, double penalty)
    {
        var n = rows.Count;
        var d = columns.Count + 1;
        var x = new double[n][];
        for (var i = 0; i < n; i++)
        {
            x[i] = new double[d];
            x[i][0] = 1;
            for (var c = 0; c < columns.Count; c++)
            {
                x[i][c + 1] = columns[c].Value(rows[i]);
            }
        }

        var y = labels.Select(l => l ? 1.0 : 0.0).ToArray();
        var rate = Math.Clamp(y.Average(), 1e-3, 1 - 1e-3);
        var beta = new double[d];
        beta[0] = Math.Log(rate / (1 - rate));
        var objective = Objective(x, y, beta, penalty);
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var gradient = new double[d];
            var hessian = new double[d, d];
            for (var i = 0; i < n; i++)
            {
                var p = Sigmoid(Dot(x[i], beta));
                var w = Math.Max(p * (1 - p), 1e-12);
                var r = p - y[i];
                var row = x[i];
                for (var a = 0; a < d; a++)
                {
                    gradient[a] += r * row[a];
                    var wa = w * row[a];
                    for (var b = 0; b <= a; b++)
                    {
                        hessian[a, b] += wa * row[b];
                    }
                }
            }

            for (var a = 1; a < d; a++)
            {
                gradient[a] += penalty * beta[a];
                hessian[a, a] += penalty;
            }

            hessian[0, 0] += 1e-9;
            var step = SolveSymmetric(hessian, gradient);
            var size = 1.0;
            double[] next;
            double nextObjective;
            while (true)
            {
                next = [.. beta.Select((v, k) => v - (size * step[k]))];
                nextObjective = Objective(x, y, next, penalty);
                if (nextObjective <= objective || size < 1e-8)
                {
                    break;
                }

                size /= 2;
            }

            var change = objective - nextObjective;
            beta = next;
            objective = nextObjective;
            if (change < 1e-9 * (1 + Math.Abs(objective)))
            {
                break;
            }
        }

        return new SplineLogistic(penalty, beta[0], columns, beta[1..]);
    }

    /// <summary>The model whose score is the mean of theirs (all must share one basis, e.g. the cross-fitted block models).</summary>
    public static SplineLogistic Average(IReadOnlyList<SplineLogistic> models) =>
        new(models[0].Penalty, models.Average(m => m.Intercept), models[0].Columns,
            [.. Enumerable.Range(0, models[0].Weights.Count).Select(c => models.Average(m => m.Weights[c]))]);

    private static double Objective(double[][] x, double[] y, double[] beta, double penalty)
    {
        var loss = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var z = Dot(x[i], beta);
            loss += y[i] > 0.5 ? Softplus(-z) : Softplus(z);
        }

        for (var a = 1; a < beta.Length; a++)
        {
            loss += penalty / 2 * beta[a] * beta[a];
        }

        return loss;
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var k = 0; k < a.Length; k++)
        {
            sum += a[k] * b[k];
        }

        return sum;
    }

    /// <summary>Solves H·s = g for a symmetric positive definite H (lower triangle filled) by Cholesky.</summary>
    private static double[] SolveSymmetric(double[,] h, double[] g)
    {
        var d = g.Length;
        var l = new double[d, d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = h[i, j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[i, k] * l[j, k];
                }

                l[i, j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-12)) : sum / l[j, j];
            }
        }

        var z = new double[d];
        for (var i = 0; i < d; i++)
        {
            var sum = g[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[i, k] * z[k];
            }

            z[i] = sum / l[i, i];
        }

        var s = new double[d];
        for (var i = d - 1; i >= 0; i--)
        {
            var sum = z[i];
            for (var k = i + 1; k < d; k++)
            {
                sum -= l[k, i] * s[k];
            }

            s[i] = sum / l[i, i];
        }

        return s;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
}
