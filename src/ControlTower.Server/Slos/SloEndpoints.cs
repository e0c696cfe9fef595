using ControlTower.Server.Identity;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Slos;

internal sealed record SloAlertResponse(Guid Id, string DedupeKey, string SloId, string Rule, string Severity,
    double LongBurnRate, double ShortBurnRate, DateTimeOffset FiredAt, DateTimeOffset? ResolvedAt, string ConfigRevision);

internal sealed record SlosResponse(string ConfigRevision, DateTimeOffset EvaluatedAt, IReadOnlyList<SloStatus> Slos, IReadOnlyList<SloAlertResponse> Alerts);

internal sealed record AlertsResponse(IReadOnlyList<SloAlertResponse> Firing, IReadOnlyList<SloAlertResponse> RecentlyResolved);

internal static class SloEndpoints
{
    /// <summary><c>GET /api/slos</c> (budget remaining, burn rates, open alerts) and <c>GET /api/alerts</c> (the dashboard's banner), readers.</summary>
    public static IEndpointRouteBuilder MapSloEndpoints(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/api").WithTags("SLOs").RequireAuthorization(Policies.Readers);
        read.MapGet("/slos", async (SloStatusReader statuses, SloCatalog catalog, IDbContextFactory<ControlTowerDbContext> contexts, TimeProvider time, CancellationToken ct) =>
        {
            var now = time.GetUtcNow();
            var slos = await statuses.ReadAsync(now, ct);
            await using var db = await contexts.CreateDbContextAsync(ct);
            var open = await db.Set<SloAlertEntity>().AsNoTracking().Where(a => a.ResolvedAt == null).OrderByDescending(a => a.FiredAt).ToListAsync(ct);
            return TypedResults.Ok(new SlosResponse(catalog.Revision, now, slos, [.. open.Select(ToResponse)]));
        });
        read.MapGet("/alerts", async (IDbContextFactory<ControlTowerDbContext> contexts, TimeProvider time, CancellationToken ct) =>
        {
            var since = time.GetUtcNow().UtcDateTime.AddDays(-1);
            await using var db = await contexts.CreateDbContextAsync(ct);
            var alerts = await db.Set<SloAlertEntity>().AsNoTracking()
                .Where(a => a.ResolvedAt == null || a.ResolvedAt > since)
                .OrderByDescending(a => a.FiredAt)
                .Take(100)
                .ToListAsync(ct);
            return TypedResults.Ok(new AlertsResponse(
                [.. alerts.Where(a => a.ResolvedAt is null).Select(ToResponse)],
                [.. alerts.Where(a => a.ResolvedAt is not null).Select(ToResponse)]));
        });
        return routes;
    }

    private static SloAlertResponse ToResponse(SloAlertEntity a) => new(
        a.Id, a.DedupeKey, a.SloId, a.Rule, a.Severity, a.LongBurnRate, a.ShortBurnRate,
        SloEvaluator.Utc(a.FiredAt), a.ResolvedAt is { } resolved ? SloEvaluator.Utc(resolved) : null, a.ConfigRevision);
}
