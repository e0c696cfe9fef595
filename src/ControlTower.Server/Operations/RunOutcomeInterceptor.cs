using System.Data.Common;
using System.Runtime.CompilerServices;
using ControlTower.Server.Governance;
using ControlTower.Server.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Operations;

/// <summary>
/// Turns committed row changes into metrics, whichever path wrote them (a run start, a coalesced stretch, a group
/// commit, an approval decision): a run added is a start, a run whose status became final is a finish, an approval
/// that left <c>pending</c> is a decision. Changes are counted only once their transaction commits; a rollback, or a
/// rollback to a savepoint (a failed unit of a group commit), drops the ones it undid.
/// </summary>
internal sealed class RunOutcomeInterceptor(EngineMetrics engine, ApprovalMetrics approvals, TimeProvider time) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Pending> _pending = [];

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Capture(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Capture(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => For(eventData.Context)?.Captured.Clear();

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }

    public void SaveChangesCanceled(DbContextEventData eventData) => For(eventData.Context)?.Captured.Clear();

    public Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesCanceled(eventData);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Flush(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Reset(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Reset(eventData.Context);
        return Task.CompletedTask;
    }

    public void CreatedSavepoint(DbTransaction transaction, TransactionEventData eventData) => For(eventData.Context, create: true)!.Mark();

    public Task CreatedSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        CreatedSavepoint(transaction, eventData);
        return Task.CompletedTask;
    }

    public void ReleasedSavepoint(DbTransaction transaction, TransactionEventData eventData) => For(eventData.Context)?.Release();

    public Task ReleasedSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        ReleasedSavepoint(transaction, eventData);
        return Task.CompletedTask;
    }

    public void RolledBackToSavepoint(DbTransaction transaction, TransactionEventData eventData) => For(eventData.Context)?.RollBackToMark();

    public Task RolledBackToSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        RolledBackToSavepoint(transaction, eventData);
        return Task.CompletedTask;
    }

    private Pending? For(DbContext? context, bool create = false) =>
        context is null ? null : create ? _pending.GetOrCreateValue(context) : _pending.TryGetValue(context, out var pending) ? pending : null;

    private void Capture(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var pending = For(context, create: true)!;
        pending.Captured.Clear();
        if (context is Platform.Persistence.ControlTowerDbContext { EngineRows.NewRuns: { Count: > 0 } created })
        {
            foreach (var run in created)
            {
                CaptureRun(run, isNew: true, wasFinal: false, pending.Captured);
            }
        }

        foreach (var entry in context.ChangeTracker.Entries<RunEntity>())
        {
            var wasFinal = entry.State == EntityState.Modified && IsFinal(entry.Property(r => r.Status).OriginalValue);
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                CaptureRun(entry.Entity, entry.State == EntityState.Added, wasFinal, pending.Captured);
            }
        }

        foreach (var entry in context.ChangeTracker.Entries<ApprovalEntity>())
        {
            CaptureApproval(entry, pending.Captured);
        }
    }

    /// <summary>A run this save creates (new rows of the engine's, or tracked as added) or changes (tracked as modified).</summary>
    private void CaptureRun(RunEntity run, bool isNew, bool wasFinal, List<Outcome> captured)
    {
        if (isNew)
        {
            captured.Add(new Outcome.RunStarted(run.WorkflowId, run.WorkflowVersion));
        }

        if (!wasFinal && IsFinal(run.Status))
        {
            var code = run.Status == "completed" ? null : run.ErrorCode ?? "run.failed";
            // A run that finishes inside its start carries the start's timestamp as its end (one commit): measure it to now.
            var duration = isNew ? time.GetUtcNow().UtcDateTime - run.CreatedAt : (run.FinishedAt ?? run.UpdatedAt) - run.CreatedAt;
            captured.Add(new Outcome.RunFinished(run.WorkflowId, run.WorkflowVersion, code, duration));
        }
    }

    private static void CaptureApproval(EntityEntry<ApprovalEntity> entry, List<Outcome> captured)
    {
        var approval = entry.Entity;
        if (entry.State == EntityState.Modified && entry.Property(a => a.Status).OriginalValue == ApprovalService.Pending
            && approval.Status != ApprovalService.Pending && approval.ResolvedAt is { } resolved)
        {
            captured.Add(new Outcome.ApprovalDecided(approval.WorkflowId, approval.NodeType, approval.Status, resolved - approval.CreatedAt));
        }
    }

    private static bool IsFinal(string? status) => status is "completed" or "failed" or "cancelled";

    private void Saved(DbContext? context)
    {
        if (For(context) is not { } pending)
        {
            return;
        }

        pending.Saved.AddRange(pending.Captured);
        pending.Captured.Clear();
        if (context!.Database.CurrentTransaction is null)
        {
            Flush(context);
        }
    }

    private void Flush(DbContext? context)
    {
        if (For(context) is not { } pending)
        {
            return;
        }

        foreach (var outcome in pending.Saved)
        {
            Record(outcome);
        }

        pending.Reset();
    }

    private void Reset(DbContext? context) => For(context)?.Reset();

    private void Record(Outcome outcome)
    {
        switch (outcome)
        {
            case Outcome.RunStarted started:
                engine.RecordRunStarted(started.WorkflowId, started.Version);
                break;
            case Outcome.RunFinished finished:
                engine.RecordRunFinished(finished.WorkflowId, finished.Version, finished.ErrorCode, finished.Duration);
                break;
            case Outcome.ApprovalDecided decided:
                approvals.RecordDecision(decided.WorkflowId, decided.NodeType, decided.Status, decided.Waited);
                break;
        }
    }

    private abstract record Outcome
    {
        public sealed record RunStarted(Guid WorkflowId, int Version) : Outcome;

        public sealed record RunFinished(Guid WorkflowId, int Version, string? ErrorCode, TimeSpan Duration) : Outcome;

        public sealed record ApprovalDecided(Guid WorkflowId, string NodeType, string Status, TimeSpan Waited) : Outcome;
    }

    /// <summary>One context's changes: captured by the save in progress, saved but not yet committed, and savepoint marks.</summary>
    private sealed class Pending
    {
        private readonly Stack<int> _marks = new();

        public List<Outcome> Captured { get; } = [];

        public List<Outcome> Saved { get; } = [];

        public void Mark() => _marks.Push(Saved.Count);

        public void Release()
        {
            if (_marks.Count > 0)
            {
                _marks.Pop();
            }
        }

        public void RollBackToMark()
        {
            if (_marks.TryPop(out var mark) && mark < Saved.Count)
            {
                Saved.RemoveRange(mark, Saved.Count - mark);
            }
        }

        public void Reset()
        {
            Saved.Clear();
            Captured.Clear();
            _marks.Clear();
        }
    }
}
