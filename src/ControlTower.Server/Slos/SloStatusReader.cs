using ControlTower.Core.Operations;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Slos;

internal sealed record BurnRateFigures(string Rule, string Severity, double LongWindowHours, double ShortWindowHours, double Factor, double LongBurnRate, double ShortBurnRate, bool Firing);

/// <summary>One SLO now: events and bad events over its period, the budget left, and every rule's burn rates.</summary>
internal sealed record SloStatus(
    string Id,
    string Kind,
    Guid? WorkflowId,
    double Objective,
    double? LatencyThresholdMs,
    int PeriodDays,
    long PeriodEvents,
    long PeriodBadEvents,
    double BudgetRemaining,
    IReadOnlyList<BurnRateFigures> BurnRates);

/// <summary>Computes SLO statuses from the run table (every process's runs), at the instant it is given.</summary>
internal sealed class SloStatusReader(IDbContextFactory<ControlTowerDbContext> contexts, SloCatalog catalog)
{
    public async Task<IReadOnlyList<SloStatus>> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var statuses = new List<SloStatus>();
        foreach (var slo in catalog.Objectives)
        {
            var outcomes = await OutcomesAsync(slo, now, cancellationToken);
            var period = BurnRate.Count(outcomes, now, TimeSpan.FromDays(slo.PeriodDays));
            var rules = BurnRate.Evaluate(outcomes, now, slo.Objective, BurnRateRule.Workbook);
            statuses.Add(new SloStatus(
                slo.Id,
                slo.Kind == SloKind.Latency ? "latency" : "availability",
                slo.WorkflowId,
                slo.Objective,
                slo.LatencyThresholdMs,
                slo.PeriodDays,
                period.Total,
                period.Bad,
                Math.Round(BurnRate.BudgetRemaining(period, slo.Objective), 4),
                [.. rules.Select(r => new BurnRateFigures(
                    r.Rule.Name, Severity(r.Rule.Severity), r.Rule.LongWindow.TotalHours, r.Rule.ShortWindow.TotalHours, r.Rule.Factor,
                    Math.Round(r.LongBurnRate, 3), Math.Round(r.ShortBurnRate, 3), r.Firing))]));
        }

        return statuses;
    }

    public static string Severity(AlertSeverity severity) => severity == AlertSeverity.Page ? "page" : "ticket";

    /// <summary>
    /// The SLO's events over its period (or the longest rule window, if longer): finished runs, cancelled ones left out
    /// (a person stopped them; the platform did not fail). Availability: completed is good. Latency: completed runs, good under the threshold.
    /// </summary>
    private async Task<List<SloOutcome>> OutcomesAsync(SloDefinition slo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var longest = TimeSpan.FromDays(Math.Max(slo.PeriodDays, BurnRateRule.Workbook.Max(r => r.LongWindow.TotalDays)));
        var since = (now - longest).UtcDateTime;
        var until = now.UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var runs = db.Set<RunEntity>().AsNoTracking().Where(r => r.FinishedAt > since && r.FinishedAt <= until);
        runs = slo.WorkflowId is { } workflow ? runs.Where(r => r.WorkflowId == workflow) : runs;
        runs = slo.Kind == SloKind.Latency ? runs.Where(r => r.Status == "completed") : runs.Where(r => r.Status == "completed" || r.Status == "failed");
        var rows = await runs.Select(r => new { r.Status, r.CreatedAt, r.FinishedAt }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => new SloOutcome(
            new DateTimeOffset(DateTime.SpecifyKind(r.FinishedAt!.Value, DateTimeKind.Utc)),
            slo.Kind == SloKind.Latency
                ? (r.FinishedAt!.Value - r.CreatedAt).TotalMilliseconds <= slo.LatencyThresholdMs
                : r.Status == "completed"))];
    }
}
