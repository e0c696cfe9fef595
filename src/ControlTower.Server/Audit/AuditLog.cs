using System.Text.Json.Nodes;
using ControlTower.Core.Audit;
using ControlTower.Server.Platform.Observability;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Audit;

/// <summary>What happened, said once by the feature that did it. <paramref name="Data"/> never holds a secret.</summary>
internal sealed record AuditEvent(string Actor, string Action, string Target, string Reason, JsonObject? Data = null);

/// <summary>
/// Appends to the hash chain in the same transaction as the change it records: features make their
/// changes on the context and call <see cref="CommitAsync(ControlTowerDbContext, AuditEvent, CancellationToken)"/>
/// instead of <c>SaveChangesAsync</c>. Appends are serialised by the database itself (SQLite's
/// immediate write transaction, PostgreSQL's advisory lock, MySQL's lock on <see cref="AuditChainLockEntity"/>'s row),
/// so several processes keep one chain.
/// </summary>
internal sealed partial class AuditLog(TimeProvider time, PlatformMetrics metrics, ILogger<AuditLog> logger)
{
    // Arbitrary constant naming the audit chain's advisory lock in PostgreSQL.
    private const long ChainLockKey = 0x43545F4155444954;

    // Only what the next entry links to, compiled once (a run start appends an entry; translating the LINQ and reading and
    // parsing the head's whole row each time cost more than the insert). Not static: a compiled query serves one model.
    private readonly Func<ControlTowerDbContext, CancellationToken, Task<AuditChainHead?>> _head = EF.CompileAsyncQuery(
        (ControlTowerDbContext db, CancellationToken _) =>
            db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Sequence).Select(e => new AuditChainHead(e.Sequence, e.Hash)).FirstOrDefault());

    public Task CommitAsync(ControlTowerDbContext db, AuditEvent auditEvent, CancellationToken cancellationToken) =>
        CommitAsync(db, [auditEvent], cancellationToken);

    public async Task CommitAsync(ControlTowerDbContext db, IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        var ownTransaction = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;
        try
        {
            var head = await AppendAsync(db, events, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            if (db.AuditCursor is { } cursor)
            {
                // Only once saved: a unit that caught a failed save and went on has not moved the chain.
                cursor.Head = head;
            }

            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            if (ownTransaction is not null)
            {
                await ownTransaction.DisposeAsync();
            }
        }

        foreach (var auditEvent in events)
        {
            metrics.RecordAuditEntry(auditEvent.Action);
            Log.EntryWritten(logger, auditEvent.Action, auditEvent.Actor, auditEvent.Target);
        }
    }

    /// <summary>
    /// Append-only, so inserted without the change tracker (<see cref="Runs.EngineRows"/>), except on MySQL: MariaDB's key
    /// violations name no table, and the tracked save's batch is how <see cref="Platform.Persistence.UniqueViolations"/> tells
    /// which of the caller's rows collided (an audit row beside them changes how EF batches and reports them).
    /// </summary>
    private static void Add(ControlTowerDbContext db, AuditEntryEntity entry)
    {
        if (db.IsMySql)
        {
            db.AuditEntries.Add(entry);
        }
        else
        {
            db.EngineRows.Add(entry);
        }
    }

    /// <summary>Adds the entries after the chain's head; returns the new head.</summary>
    private async Task<AuditChainHead> AppendAsync(ControlTowerDbContext db, IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        var head = db.AuditCursor?.Head ?? await ReadHeadAsync(db, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var auditEvent in events)
        {
            var content = new AuditContent(
                head.Sequence + 1,
                now,
                auditEvent.Actor,
                auditEvent.Action,
                auditEvent.Target,
                auditEvent.Reason,
                auditEvent.Data);
            var entry = AuditChain.AppendAfter(head, content);
            Add(db, AuditMapping.ToEntity(entry));
            head = new AuditChainHead(entry.Content.Sequence, entry.Hash);
        }

        return head;
    }

    /// <summary>Takes the chain's lock (held until the transaction ends) and reads its head.</summary>
    private async Task<AuditChainHead> ReadHeadAsync(ControlTowerDbContext db, CancellationToken cancellationToken)
    {
        if (db.IsPostgreSql)
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({ChainLockKey})", cancellationToken);
        }
        else if (db.IsMySql)
        {
            await db.Database.SqlQuery<int>(
                $"SELECT `Id` AS `Value` FROM audit_chain_lock WHERE `Id` = {AuditChainLockEntity.TheRow} FOR UPDATE").ToListAsync(cancellationToken);
        }

        return await _head(db, cancellationToken) ?? AuditChainHead.Genesis;
    }
}
