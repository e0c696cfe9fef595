using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Trust;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Retention;

/// <summary>
/// One pruner at a time across processes (the server's background pruner, <c>controltower prune</c>): the named lease
/// <c>run-pruner</c> in the same table as the trust trainer's lease. A holder that dies loses it after <see cref="Length"/>.
/// </summary>
internal sealed class PruneLease(IDbContextFactory<ControlTowerDbContext> contexts, TimeProvider time)
{
    public const string Name = "run-pruner";
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(5);

    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Takes the lease if it is free, expired or already ours.</summary>
    public async Task<bool> TryTakeAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var (holder, expired) = (Holder, DateTime.UnixEpoch);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await (db.IsMySql
            ? db.Database.ExecuteSqlAsync($"""INSERT IGNORE INTO trust_leases (`Name`, `Holder`, `Until`) VALUES ({Name}, {holder}, {expired})""", cancellationToken)
            : db.Database.ExecuteSqlAsync(
                $"""INSERT INTO trust_leases ("Name", "Holder", "Until") VALUES ({Name}, {holder}, {expired}) ON CONFLICT DO NOTHING""", cancellationToken));
        return await db.Set<TrustLeaseEntity>()
            .Where(l => l.Name == Name && (l.Until < now || l.Holder == holder))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.Until, now + Length), cancellationToken) == 1;
    }

    /// <summary>Extends the lease (after each batch); false when it was lost (the pass took longer than a lease without renewing).</summary>
    public Task<bool> RenewAsync(CancellationToken cancellationToken) => TryTakeAsync(cancellationToken);

    public async Task ReleaseAsync()
    {
        var holder = Holder;
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.Set<TrustLeaseEntity>().Where(l => l.Name == Name && l.Holder == holder)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Until, DateTime.UnixEpoch), CancellationToken.None);
    }
}
