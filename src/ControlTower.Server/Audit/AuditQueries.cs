using ControlTower.Core.Audit;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Errors;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Audit;

/// <summary><see cref="NewestFirst"/> pages backwards from <see cref="Before"/>; otherwise forwards from <see cref="After"/>.</summary>
internal sealed record AuditFilter(string? Actor, string? Action, string? Target, DateTimeOffset? From, DateTimeOffset? To, long? After, int Limit)
{
    public bool NewestFirst { get; init; }

    public long? Before { get; init; }
}

/// <summary>A page and the cursor of the next one in the same order (<c>after</c> oldest first, <c>before</c> newest first).</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntryResponse> Items, long? NextAfter, long? NextBefore = null);

/// <summary>Reading the audit log: filtered pages, chain verification and the JSONL stream.</summary>
internal sealed class AuditQueries(IDbContextFactory<ControlTowerDbContext> contexts)
{
    public const int MaxPageSize = 500;
    private const int VerifyBatchSize = 1000;

    public async Task<AuditPage> QueryAsync(AuditFilter filter, CancellationToken cancellationToken)
    {
        if (filter.Limit is < 1 or > MaxPageSize)
        {
            throw new ControlTowerException(ErrorKind.Validation, ErrorCodes.AuditQueryInvalid, $"limit must be between 1 and {MaxPageSize}.");
        }

        if (filter.NewestFirst ? filter.After is not null : filter.Before is not null)
        {
            throw new ControlTowerException(ErrorKind.Validation, ErrorCodes.AuditQueryInvalid,
                "Page oldest first with after, or newest first (order=desc) with before.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.AuditEntries.AsNoTracking().Where(e => e.Sequence > (filter.After ?? 0));
        query = filter.Before is { } before ? query.Where(e => e.Sequence < before) : query;
        query = filter.Actor is null ? query : query.Where(e => e.Actor == filter.Actor);
        query = filter.Action is null ? query : query.Where(e => e.Action == filter.Action);
        query = filter.Target is null ? query : query.Where(e => e.Target == filter.Target);
        if (filter.From is { } from)
        {
            var fromUtc = from.UtcDateTime;
            query = query.Where(e => e.Timestamp >= fromUtc);
        }

        if (filter.To is { } to)
        {
            var toUtc = to.UtcDateTime;
            query = query.Where(e => e.Timestamp < toUtc);
        }

        var ordered = filter.NewestFirst ? query.OrderByDescending(e => e.Sequence) : query.OrderBy(e => e.Sequence);
        var rows = await ordered.Take(filter.Limit + 1).ToListAsync(cancellationToken);
        var items = rows.Take(filter.Limit).Select(AuditMapping.ToResponse).ToList();
        var next = rows.Count > filter.Limit ? items[^1].Sequence : (long?)null;
        return filter.NewestFirst ? new AuditPage(items, null, next) : new AuditPage(items, next);
    }

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken) =>
        AuditChain.Verify(await ReadAllAsync(cancellationToken).ToListAsync(cancellationToken));

    /// <summary>Every entry in stored order, read in batches so a long log is never held whole by the query.</summary>
    public async IAsyncEnumerable<ChainedAuditEntry> ReadAllAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in ReadRowsAsync(0, cancellationToken))
        {
            yield return AuditMapping.ToChained(row);
        }
    }

    public async IAsyncEnumerable<AuditEntryEntity> ReadRowsAsync(
        long after,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cursor = after;
        while (true)
        {
            // A moved row carries another sequence than the one its hash covers, so verify sees it.
            var batch = await db.AuditEntries.AsNoTracking()
                .Where(e => e.Sequence > cursor)
                .OrderBy(e => e.Sequence)
                .Take(VerifyBatchSize)
                .ToListAsync(cancellationToken);
            foreach (var row in batch)
            {
                yield return row;
            }

            if (batch.Count < VerifyBatchSize)
            {
                yield break;
            }

            cursor = batch[^1].Sequence;
        }
    }
}
