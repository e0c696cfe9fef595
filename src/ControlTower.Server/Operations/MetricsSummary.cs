using System.Globalization;
using ControlTower.Core.Errors;
using ControlTower.Core.Operations;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Operations;

internal sealed record LatencyFigures(long Count, double? P50, double? P95, double? P99, double? Max);

internal sealed record ErrorCount(string Code, long Count, double Rate);

/// <summary>Runs in a window: finished counts, throughput per minute, failure share, latency percentiles (ms), failures by code.</summary>
internal sealed record RunFigures(long Started, long Completed, long Failed, double ThroughputPerMinute, double ErrorRate, LatencyFigures Latency, IReadOnlyList<ErrorCount> Errors);

internal sealed record QueueFigures(DateTimeOffset SampledAt, int DueTasks, int RunningAttempts, int Parked, int BusySlots, int Slots, double Saturation, int ApprovalsWaiting);

internal sealed record SummaryPoint(DateTimeOffset At, long Completed, long Failed, double? P50, double? P95, double? P99, int? DueTasks, double Saturation);

/// <summary>
/// <c>GET /api/metrics/summary</c>: <see cref="Process"/> from this process's instruments (<see cref="RollingMetrics"/>),
/// <see cref="Database"/> from the run table (every process; the failures by code come from there).
/// </summary>
internal sealed record MetricsSummary(string Window, DateTimeOffset From, DateTimeOffset To, RunFigures Process, RunFigures Database, QueueFigures Queue, IReadOnlyList<SummaryPoint> Series);

internal sealed class MetricsSummaryService(
    RollingMetrics rolling,
    OperationsSnapshot snapshot,
    WorkerLoad load,
    IDbContextFactory<ControlTowerDbContext> contexts,
    IOptions<OperationsOptions> options,
    TimeProvider time)
{
    /// <summary>How many finished runs' durations the database side reads at most for its percentiles.</summary>
    public const int DatabaseSampleLimit = 20_000;

    private const int SeriesPoints = 60;

    public async Task<MetricsSummary> SummarizeAsync(string? window, CancellationToken cancellationToken)
    {
        var span = ParseWindow(window ?? "1h", TimeSpan.FromHours(options.Value.RollingHours));
        var to = time.GetUtcNow();
        var from = to - span;
        var stepMinutes = (int)Math.Max(1, Math.Ceiling(span.TotalMinutes / SeriesPoints));
        var figures = rolling.Read(to, (int)span.TotalMinutes, stepMinutes);
        var process = Figures(figures.Total.Started, figures.Total.Completed, figures.Total.Failed, figures.Total.Durations, span, []);
        var database = await DatabaseFiguresAsync(from, span, cancellationToken);
        var sample = snapshot.Latest;
        var queue = new QueueFigures(sample.At, sample.DueTasks, sample.RunningAttempts, sample.Parked, load.Busy, load.Slots, load.Saturation, sample.Approvals.Sum(a => a.Count));
        var series = figures.Points.Select(p => new SummaryPoint(
            p.At, p.Figures.Completed, p.Figures.Failed, p.Figures.Durations.Percentile(50),
                p.Figures.Durations.Percentile(95), p.Figures.Durations.Percentile(99), p.Figures.DueTasks, p.Figures.Saturation)).ToList();
        return new MetricsSummary(Format(span), from, to, process, database, queue, series);
    }

    /// <summary><c>30m</c>, <c>1h</c>, <c>24h</c>: minutes or hours, from one minute up to <paramref name="longest"/>.</summary>
    public static TimeSpan ParseWindow(string window, TimeSpan longest)
    {
        var unit = window.Length > 1 ? window[^1] : ' ';
        if (unit is 'm' or 'h' && int.TryParse(window.AsSpan(0, window.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            var span = unit == 'm' ? TimeSpan.FromMinutes(amount) : TimeSpan.FromHours(amount);
            if (span <= longest)
            {
                return span;
            }
        }

        throw new ControlTowerException(ErrorKind.Validation, OperationsErrorCodes.WindowInvalid,
            $"The window must be minutes or hours such as 15m or 1h, at most {longest.TotalHours:0}h.");
    }

    private static string Format(TimeSpan span) => span.TotalMinutes % 60 == 0 ? $"{span.TotalHours:0}h" : $"{span.TotalMinutes:0}m";

    private static RunFigures Figures(long started, long completed, long failed, LogHistogram durations, TimeSpan span, IReadOnlyList<ErrorCount> errors)
    {
        var finished = completed + failed;
        return new RunFigures(
            started,
            completed,
            failed,
            finished / span.TotalMinutes,
            finished == 0 ? 0 : (double)failed / finished,
            new LatencyFigures(durations.Count, durations.Percentile(50), durations.Percentile(95), durations.Percentile(99), durations.Count == 0 ? null : durations.Max),
            errors);
    }

    private async Task<RunFigures> DatabaseFiguresAsync(DateTimeOffset from, TimeSpan span, CancellationToken cancellationToken)
    {
        var since = from.UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var runs = db.Set<RunEntity>().AsNoTracking();
        var started = await runs.CountAsync(r => r.CreatedAt > since, cancellationToken);
        var outcomes = await runs
            .Where(r => r.FinishedAt > since)
            .GroupBy(r => new { r.Status, r.ErrorCode })
            .Select(g => new { g.Key.Status, g.Key.ErrorCode, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        var durations = new LogHistogram();
        var finishedRuns = await runs
            .Where(r => r.FinishedAt > since)
            .OrderByDescending(r => r.FinishedAt)
            .Take(DatabaseSampleLimit)
            .Select(r => new { r.CreatedAt, r.FinishedAt })
            .ToListAsync(cancellationToken);
        foreach (var run in finishedRuns)
        {
            durations.Record((run.FinishedAt!.Value - run.CreatedAt).TotalMilliseconds);
        }

        var completed = outcomes.Where(o => o.Status == "completed").Sum(o => o.Count);
        var failed = outcomes.Where(o => o.Status != "completed").Sum(o => o.Count);
        var finished = completed + failed;
        var errors = outcomes.Where(o => o.Status != "completed")
            .GroupBy(o => o.ErrorCode ?? "run.failed")
            .Select(g => new ErrorCount(g.Key, g.Sum(o => o.Count), finished == 0 ? 0 : (double)g.Sum(o => o.Count) / finished))
            .OrderByDescending(e => e.Count)
            .ToList();
        return Figures(started, completed, failed, durations, span, errors);
    }
}
