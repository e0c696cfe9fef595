namespace ControlTower.Core.Trust.Learning;

/// <summary>
/// Example weights that halve with every <c>halfLife</c> of age, so that a model trained on a drifting stream leans on
/// its recent past. Age is measured back from a given end (the newest training example), never from a clock.
/// </summary>
public static class RecencyWeights
{
    /// <summary>No weight falls below this, so that a very old row still counts (and weighted means stay defined).</summary>
    public const double Floor = 1e-6;

    /// <summary>2^(−age / halfLife) for each time (at least <see cref="Floor"/>), age = <paramref name="end"/> − time (0 for times after the end).</summary>
    public static double[] Compute(IReadOnlyList<DateTimeOffset> times, DateTimeOffset end, TimeSpan halfLife)
    {
        if (halfLife <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(halfLife), halfLife, "A half-life must be positive.");
        }

        var weights = new double[times.Count];
        for (var i = 0; i < times.Count; i++)
        {
            var age = Math.Max(0, (end - times[i]).TotalHours);
            weights[i] = Math.Max(Floor, Math.Pow(2, -age / halfLife.TotalHours));
        }

        return weights;
    }

    /// <summary>The effective sample size of weighted examples, (Σw)² / Σw²: how many equally weighted rows they are worth.</summary>
    public static double EffectiveSampleSize(IReadOnlyList<double> weights)
    {
        double sum = 0, squares = 0;
        foreach (var w in weights)
        {
            sum += w;
            squares += w * w;
        }

        return squares == 0 ? 0 : sum * sum / squares;
    }

    /// <summary>
    /// Chooses a half-life for weighting calibration data: calibrators are fit on the older rows (all but the newest
    /// <paramref name="validationShare"/>), unweighted and with each candidate half-life (a share of the older rows' time
    /// span, weights counted back from their newest row), and scored (log loss) on the newest rows. A half-life wins only
    /// when it beats the unweighted fit by more than <paramref name="standardErrors"/> standard errors of the paired
    /// difference; otherwise null (no weighting).
    /// </summary>
    public static HalfLifeChoice ChooseForCalibration(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, IReadOnlyList<DateTimeOffset> times,
        IReadOnlyList<double> shares, double validationShare = 1.0 / 3, double standardErrors = 1)
    {
        var split = (int)Math.Round(scores.Count * (1 - validationShare));
        if (split < 2 || split >= scores.Count || times[split - 1] <= times[0] || shares.Count == 0)
        {
            return new HalfLifeChoice(null, []);
        }

        var older = Enumerable.Range(0, split).ToList();
        var span = times[split - 1] - times[0];
        var tried = new List<(TimeSpan? HalfLife, double[] Losses)>();
        foreach (TimeSpan? halfLife in new TimeSpan?[] { null }.Concat(shares.Where(s => s > 0).Select(s => (TimeSpan?)(span * s))))
        {
            var weights = halfLife is { } h ? Compute([.. older.Select(i => times[i])], times[split - 1], h) : null;
            var (calibrator, _) = ProbabilityCalibrator.Choose([.. older.Select(i => scores[i])], [.. older.Select(i => labels[i])], weights);
            tried.Add((halfLife, [.. Enumerable.Range(split, scores.Count - split).Select(i => LogLoss(calibrator.Calibrate(scores[i]), labels[i]))]));
        }

        var best = tried.MinBy(t => t.Losses.Average());
        var candidates = tried.Select(t => new HalfLifeCandidate(t.HalfLife, t.Losses.Average())).ToList();
        return new HalfLifeChoice(best.HalfLife is not null && Beats(best.Losses, tried[0].Losses, standardErrors) ? best.HalfLife : null, candidates);
    }

    private static double LogLoss(double p, bool label) => -Math.Log(label ? p : 1 - p);

    /// <summary>True when <paramref name="challenger"/>'s mean loss is below <paramref name="baseline"/>'s by more than
    /// <paramref name="standardErrors"/> standard errors of the paired difference.</summary>
    private static bool Beats(double[] challenger, double[] baseline, double standardErrors)
    {
        var differences = challenger.Zip(baseline, (c, b) => b - c).ToArray();
        var mean = differences.Average();
        var variance = differences.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, differences.Length - 1);
        return mean > standardErrors * Math.Sqrt(variance / differences.Length);
    }
}

/// <summary>A half-life tried (null: unweighted) and its mean log loss on the newest rows.</summary>
public sealed record HalfLifeCandidate(TimeSpan? HalfLife, double LogLoss);

/// <summary>The half-life chosen (null: no weighting) and every candidate's loss.</summary>
public sealed record HalfLifeChoice(TimeSpan? HalfLife, IReadOnlyList<HalfLifeCandidate> Candidates);
