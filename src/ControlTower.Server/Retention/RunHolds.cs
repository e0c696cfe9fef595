using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Retention;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record HoldRunBody(string? Reason = null);

internal sealed record RunHoldView(Guid RunId, string HeldBy, string? Reason, DateTimeOffset CreatedAt);

/// <summary>A person keeps a run out of retention, or lets it go again; both audited.</summary>
internal sealed class RunHolds(IDbContextFactory<ControlTowerDbContext> contexts, AuditLog audit, TimeProvider time)
{
    /// <summary>Holds the run (holding a held run again keeps the first hold); 404 for an unknown run.</summary>
    public async Task<RunHoldView> HoldAsync(string actor, Guid runId, string? reason, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.Set<RunEntity>().AnyAsync(r => r.Id == runId, cancellationToken))
        {
            throw RunTransitions.NotFound(runId);
        }

        if (await db.Set<RunHoldEntity>().AsNoTracking().SingleOrDefaultAsync(h => h.RunId == runId, cancellationToken) is { } existing)
        {
            return View(existing);
        }

        var hold = new RunHoldEntity { RunId = runId, HeldBy = actor, Reason = reason, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(hold);
        await audit.CommitAsync(db, new AuditEvent(actor, "run.held", $"run:{runId}", reason ?? "kept out of retention", new JsonObject { ["runId"] = runId.ToString() }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return View(hold);
    }

    /// <summary>Releases the hold; releasing a run that is not held changes nothing.</summary>
    public async Task ReleaseAsync(string actor, Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.Set<RunHoldEntity>().Where(h => h.RunId == runId).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return;
        }

        await audit.CommitAsync(db, new AuditEvent(actor, "run.hold_released", $"run:{runId}", "retention applies again"), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<RunHoldView?> FindAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<RunHoldEntity>().AsNoTracking().SingleOrDefaultAsync(h => h.RunId == runId, cancellationToken) is { } hold ? View(hold) : null;
    }

    private static RunHoldView View(RunHoldEntity hold) => new(hold.RunId, hold.HeldBy, hold.Reason, new DateTimeOffset(hold.CreatedAt, TimeSpan.Zero));
}
