using System.Threading.Channels;
using ControlTower.Server.Audit;
using ControlTower.Server.Platform.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>
/// Group commit: one writer loop takes the engine's pending units of work (run starts with their audit
/// entry, coalesced stretches, intents, SQLite claims) of concurrent runs and commits them in one
/// transaction — one fsync for many runs. A unit writes only through the context it is given (a second
/// connection would wait for locks the group transaction holds); transitions that run other features'
/// code (<see cref="RunTransitions.ApplyAsync"/>) therefore keep their own transaction. Each unit runs in its own savepoint, so one that fails (a concurrent change, a taken
/// idempotency key) is rolled back alone and its caller sees the exception, exactly as with its own
/// transaction. There is no artificial wait: units that arrive while a batch commits form the next
/// batch (at most <see cref="MaxBatch"/> units). A commit asked for from inside a unit (it cannot wait
/// for the writer, which is running it) becomes part of that unit.
/// The units of a batch chain their audit entries in memory after the head the first of them read inside the transaction
/// (<see cref="AuditChainCursor"/>), instead of each reading it back.
/// A caller's cancellation is honoured only before its unit starts: inside the shared transaction a
/// cancelled command would interrupt the connection (SQLite's <c>sqlite3_interrupt</c> rolls back the
/// whole transaction, every other unit of the batch with it), so a started unit runs to its end.
/// On SQLite the writer keeps one context with its connection open from batch to batch, so the statements its units
/// prepare on that connection (<see cref="SqliteEngineRows"/>) are parsed once; a batch that fails as a whole (the
/// database unavailable) drops it and the next batch opens a new one. On PostgreSQL and MySQL each batch takes a
/// pooled connection, which survives a dropped network connection without the writer noticing.
/// </summary>
internal sealed partial class RunCommitQueue(
    IDbContextFactory<ControlTowerDbContext> contexts,
    Microsoft.Extensions.Options.IOptions<EngineOptions> options,
    EngineMetrics metrics,
    ILogger<RunCommitQueue> logger) : IAsyncDisposable, IDisposable
{
    public const int MaxBatch = 64;

    private static readonly AsyncLocal<ControlTowerDbContext?> CurrentUnit = new();
    private readonly Channel<Unit> _pending = Channel.CreateUnbounded<Unit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _startLock = new();
    private Task? _writer;
    private ControlTowerDbContext? _kept;

    /// <summary>Runs <paramref name="work"/> (which saves its changes) inside the next group transaction; returns its result once that committed.</summary>
    public async Task<T> CommitAsync<T>(Func<ControlTowerDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (CurrentUnit.Value is { } outer)
        {
            return await work(outer, cancellationToken);
        }

        if (!options.Value.GroupCommit)
        {
            return await CommitAloneAsync(work, cancellationToken);
        }

        EnsureWriter();
        var unit = new Unit(async (db, ct) => await work(db, ct), cancellationToken);
        await _pending.Writer.WriteAsync(unit, cancellationToken);
        return (T)(await unit.Done.Task)!;
    }

    private async Task<T> CommitAloneAsync<T>(Func<ControlTowerDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await work(db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private void EnsureWriter()
    {
        if (_writer is not null)
        {
            return;
        }

        lock (_startLock)
        {
            // Not the first caller's context (its request, its activity, its ambient unit): the loop outlives it.
            using (ExecutionContext.SuppressFlow())
            {
                _writer ??= Task.Run(WriteLoopAsync, CancellationToken.None);
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Unit>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var unit))
            {
                if (!unit.Cancellation.IsCancellationRequested || !unit.Done.TrySetCanceled(unit.Cancellation))
                {
                    batch.Add(unit);
                }
            }

            if (batch.Count > 0)
            {
                await CommitBatchAsync(batch);
            }
        }
    }

    private async Task CommitBatchAsync(List<Unit> batch)
    {
        var results = new object?[batch.Count];
        var failures = new Exception?[batch.Count];
        ControlTowerDbContext? db = null;
        try
        {
            db = await WriterContextAsync();
            CurrentUnit.Value = db;
            await using var transaction = await db.Database.BeginTransactionAsync();
            var auditCursor = db.AuditCursor = new AuditChainCursor();
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Cancellation.IsCancellationRequested)
                {
                    failures[i] = new OperationCanceledException(batch[i].Cancellation);
                    continue;
                }

                var savepoint = $"unit{i}";
                await transaction.CreateSavepointAsync(savepoint);
                try
                {
                    results[i] = await batch[i].Work(db, CancellationToken.None);
                    await transaction.ReleaseSavepointAsync(savepoint);
                }
#pragma warning disable CA1031 // Not swallowed: the unit's own caller receives it, as it would from its own transaction.
                catch (Exception failure)
#pragma warning restore CA1031
                {
                    failures[i] = failure;
                    auditCursor.Head = null;
                    await transaction.RollbackToSavepointAsync(savepoint);
                }
                finally
                {
                    db.ChangeTracker.Clear();
                    db.EngineRows.Clear();
                }
            }

            await transaction.CommitAsync();
            metrics.RecordGroupCommit(batch.Count);
        }
#pragma warning disable CA1031 // The whole transaction failed (the database is unavailable): every unit's caller gets the failure.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            Log.GroupCommitFailed(logger, failure, batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                failures[i] ??= failure;
            }

            // Its connection may be broken: the next batch opens a new one.
            _kept = null;
        }
        finally
        {
            CurrentUnit.Value = null;
            if (db is not null)
            {
                db.AuditCursor = null;
            }

            if (db is not null && db != _kept)
            {
                await db.DisposeAsync();
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (failures[i] is { } failure)
            {
                batch[i].Done.TrySetException(failure);
            }
            else
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
    }

    /// <summary>The writer's context: on SQLite the one kept open across batches, elsewhere a new one per batch.</summary>
    private async Task<ControlTowerDbContext> WriterContextAsync()
    {
        if (_kept is { } kept)
        {
            return kept;
        }

        var db = await contexts.CreateDbContextAsync();
        if (!db.IsSqlite)
        {
            return db;
        }

        var opened = false;
        try
        {
            await db.Database.OpenConnectionAsync();
            opened = true;
        }
        finally
        {
            if (!opened)
            {
                await db.DisposeAsync();
            }
        }

        return _kept = db;
    }

    /// <summary>Lets the writer finish the units already queued, then closes its connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        if (_writer is { } writer)
        {
            await writer;
        }

        if (_kept is { } kept)
        {
            _kept = null;
            await kept.DisposeAsync();
        }
    }

    /// <summary>For a container disposed synchronously: the same, waiting.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed record Unit(Func<ControlTowerDbContext, CancellationToken, Task<object?>> Work, CancellationToken Cancellation)
    {
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
