using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>
/// Claims due tasks with a lease. On PostgreSQL and MySQL, several processes share the work through
/// <c>FOR UPDATE SKIP LOCKED</c>; on SQLite (one process, one writer) the claim joins the engine's group
/// commit, so it never waits on (or makes wait) the writer loop for the write lock.
/// A task whose lease ran out (its worker died) is due again.
/// </summary>
internal sealed class RunTaskClaimer(IDbContextFactory<ControlTowerDbContext> contexts, RunCommitQueue commits, EngineMetrics metrics, TimeProvider time)
{
    public async Task<IReadOnlyList<RunTaskEntity>> ClaimAsync(string owner, int count, TimeSpan lease, CancellationToken cancellationToken)
    {
        var claimed = await ClaimDueAsync(owner, count, lease, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var task in claimed)
        {
            metrics.RecordClaimDelay(now - task.DueAt);
        }

        return claimed;
    }

    private async Task<IReadOnlyList<RunTaskEntity>> ClaimDueAsync(string owner, int count, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var expires = now + lease;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (db.IsPostgreSql)
        {
            return await db.Set<RunTaskEntity>().FromSqlInterpolated($"""
                UPDATE run_tasks SET "LeaseOwner" = {owner}, "LeaseExpiresAt" = {expires}
                WHERE "Id" IN (
                    SELECT "Id" FROM run_tasks
                    WHERE "DueAt" <= {now} AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now})
                    ORDER BY "DueAt" LIMIT {count}
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
                """).AsNoTracking().ToListAsync(cancellationToken);
        }

        if (db.IsMySql)
        {
            return await ClaimOnMySqlAsync(db, owner, count, now, expires, cancellationToken);
        }

        return await commits.CommitAsync<IReadOnlyList<RunTaskEntity>>(async (unit, ct) =>
        {
            var due = await unit.Set<RunTaskEntity>()
                .Where(t => t.DueAt <= now && (t.LeaseExpiresAt == null || t.LeaseExpiresAt < now))
                .OrderBy(t => t.DueAt)
                .Take(count)
                .ToListAsync(ct);
            foreach (var task in due)
            {
                task.LeaseOwner = owner;
                task.LeaseExpiresAt = expires;
            }

            await unit.SaveChangesAsync(ct);
            return due;
        }, cancellationToken);
    }

    /// <summary>MySQL has no UPDATE … RETURNING: the due rows are locked, skipping those another worker holds, then leased in the same transaction.</summary>
    private static async Task<IReadOnlyList<RunTaskEntity>> ClaimOnMySqlAsync(
        ControlTowerDbContext db, string owner, int count, DateTime now, DateTime expires, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var due = await db.Set<RunTaskEntity>().FromSqlInterpolated($"""
            SELECT * FROM run_tasks
            WHERE `DueAt` <= {now} AND (`LeaseExpiresAt` IS NULL OR `LeaseExpiresAt` < {now})
            ORDER BY `DueAt` LIMIT {count}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
        foreach (var task in due)
        {
            task.LeaseOwner = owner;
            task.LeaseExpiresAt = expires;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due;
    }

    /// <summary>Keeps a long task's lease alive; false when the lease was lost (another worker took it).</summary>
    public async Task<bool> RenewAsync(RunTaskEntity task, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var expires = time.GetUtcNow().UtcDateTime + lease;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var updated = await db.Set<RunTaskEntity>()
            .Where(t => t.Id == task.Id && t.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LeaseExpiresAt, expires), cancellationToken);
        return updated == 1;
    }

    /// <summary>Gives a task back at once (a graceful shutdown), so the next process need not wait for the lease.</summary>
    public async Task ReleaseAsync(RunTaskEntity task, string owner, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Set<RunTaskEntity>()
            .Where(t => t.Id == task.Id && t.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LeaseOwner, (string?)null).SetProperty(t => t.LeaseExpiresAt, (DateTime?)null), cancellationToken);
    }

    /// <summary>Due tasks not yet claimed, for the queue-depth metric.</summary>
    public async Task<int> CountDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<RunTaskEntity>().CountAsync(t => t.DueAt <= now && t.LeaseExpiresAt == null, cancellationToken);
    }
}
