using System.Text.Json.Nodes;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Slos;

/// <summary>
/// Every <c>SLO_EVALUATION_SECONDS</c>: computes each SLO's burn rates from the run table, raises an alert (a row, an
/// audit entry, a signed webhook) when a rule starts firing and clears it when the rule stops, and re-sends any
/// notification a target has not taken yet. An episode's dedupe key (SLO, rule, the short window it fired in) is
/// unique, so it is raised and notified once however many processes evaluate.
/// </summary>
internal sealed partial class SloEvaluator(
    SloStatusReader statuses,
    SloCatalog catalog,
    SloNotifier notifier,
    AuditLog audit,
    IDbContextFactory<ControlTowerDbContext> contexts,
    IOptions<SloOptions> options,
    TimeProvider time,
    ILogger<SloEvaluator> logger) : BackgroundService
{
    public const string Actor = "system:slo";
    private readonly SemaphoreSlim _evaluating = new(1, 1);

    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        await _evaluating.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            foreach (var status in await statuses.ReadAsync(now, cancellationToken))
            {
                foreach (var rule in status.BurnRates)
                {
                    await ReconcileAsync(status, rule, now, cancellationToken);
                }
            }

            await RetryNotificationsAsync(cancellationToken);
        }
        finally
        {
            _evaluating.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (catalog.Objectives.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.EvaluationSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await EvaluateAsync(stoppingToken);
            }
            catch (Exception failure) when (failure is System.Data.Common.DbException or DbUpdateException or InvalidOperationException or TimeoutException)
            {
                Log.EvaluationFailed(logger, failure);
            }
        }
    }

    private async Task ReconcileAsync(SloStatus status, BurnRateFigures rule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var open = await db.Set<SloAlertEntity>().SingleOrDefaultAsync(a => a.SloId == status.Id && a.Rule == rule.Rule && a.ResolvedAt == null, cancellationToken);
        if (rule.Firing && open is null)
        {
            await FireAsync(db, status, rule, now, cancellationToken);
        }
        else if (!rule.Firing && open is not null)
        {
            await ResolveAsync(db, open, now, cancellationToken);
        }
    }

    private async Task FireAsync(ControlTowerDbContext db, SloStatus status, BurnRateFigures rule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromHours(rule.ShortWindowHours);
        var windowStart = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % window.Ticks), TimeSpan.Zero);
        var alert = new SloAlertEntity
        {
            Id = Guid.NewGuid(),
            DedupeKey = $"{status.Id}:{rule.Rule}:{windowStart:yyyyMMddTHHmmZ}",
            SloId = status.Id,
            Rule = rule.Rule,
            Severity = rule.Severity,
            LongBurnRate = rule.LongBurnRate,
            ShortBurnRate = rule.ShortBurnRate,
            ConfigRevision = catalog.Revision,
            FiredAt = now.UtcDateTime,
        };
        db.Add(alert);
        try
        {
            await audit.CommitAsync(db, new AuditEvent(Actor, "slo.alert_fired", $"slo:{status.Id}",
                $"burn rate of {rule.Rule} above {rule.Factor}x over both windows", Data(alert, status)), cancellationToken);
        }
        catch (DbUpdateException conflict) when (UniqueViolations.ConflictCode(conflict) is not null)
        {
            // Another process raised this episode first: it notifies.
            return;
        }

        Log.AlertFired(logger, status.Id, rule.Rule, rule.LongBurnRate, rule.ShortBurnRate);
        await NotifyAsync(db, alert, cancellationToken);
    }

    private async Task ResolveAsync(ControlTowerDbContext db, SloAlertEntity alert, DateTimeOffset now, CancellationToken cancellationToken)
    {
        alert.ResolvedAt = now.UtcDateTime;
        await audit.CommitAsync(db, new AuditEvent(Actor, "slo.alert_resolved", $"slo:{alert.SloId}", $"{alert.Rule} no longer burns above its factor", Data(alert, null)), cancellationToken);
        Log.AlertResolved(logger, alert.SloId, alert.Rule);
        await NotifyAsync(db, alert, cancellationToken);
    }

    private async Task RetryNotificationsAsync(CancellationToken cancellationToken)
    {
        if (catalog.Targets.Count == 0)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var owed = await db.Set<SloAlertEntity>()
            .Where(a => a.NotifiedFiringAt == null || (a.ResolvedAt != null && a.NotifiedResolvedAt == null))
            .ToListAsync(cancellationToken);
        foreach (var alert in owed)
        {
            await NotifyAsync(db, alert, cancellationToken);
        }
    }

    /// <summary>Sends what the alert still owes (its firing, then its clearing) and records each delivery, so none is sent twice.</summary>
    private async Task NotifyAsync(ControlTowerDbContext db, SloAlertEntity alert, CancellationToken cancellationToken)
    {
        if (alert.NotifiedFiringAt is null && await notifier.NotifyAsync(Notification(alert, "firing"), cancellationToken))
        {
            alert.NotifiedFiringAt = time.GetUtcNow().UtcDateTime;
        }

        if (alert is { ResolvedAt: not null, NotifiedFiringAt: not null, NotifiedResolvedAt: null } && await notifier.NotifyAsync(Notification(alert, "resolved"), cancellationToken))
        {
            alert.NotifiedResolvedAt = time.GetUtcNow().UtcDateTime;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static AlertNotification Notification(SloAlertEntity alert, string state) => new(
        alert.DedupeKey, state, alert.SloId, alert.Rule, alert.Severity, alert.LongBurnRate, alert.ShortBurnRate,
        Utc(alert.FiredAt), alert.ResolvedAt is { } resolved ? Utc(resolved) : null, alert.ConfigRevision);

    private static JsonObject Data(SloAlertEntity alert, SloStatus? status) => new()
    {
        ["dedupeKey"] = alert.DedupeKey,
        ["rule"] = alert.Rule,
        ["severity"] = alert.Severity,
        ["longBurnRate"] = alert.LongBurnRate,
        ["shortBurnRate"] = alert.ShortBurnRate,
        ["budgetRemaining"] = status?.BudgetRemaining,
        ["configRevision"] = alert.ConfigRevision,
    };

    internal static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));
}
