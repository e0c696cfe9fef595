using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>What a committed transition did.</summary>
internal sealed record TransitionResult(RunState State, string? Ignored);

/// <summary>The unit of work a transition writes into, for callers that commit more with it.</summary>
internal sealed record TransitionScope(ControlTowerDbContext Db, RunEntity Run, WorkflowDefinition Definition, RunState State, DateTime Now);

/// <summary>
/// Applies one event to a run and commits the result in one transaction: the checkpoint, the events,
/// the new tasks and whatever the caller adds (the node's result, the consumed task's deletion).
/// Runs are updated optimistically: a concurrent change makes the commit fail, and the event is
/// applied again to the fresh state, which the pure scheduler makes safe.
/// </summary>
internal sealed partial class RunTransitions(
    IDbContextFactory<ControlTowerDbContext> contexts,
    RunCommitQueue commits,
    WorkflowDefinitions definitions,
    RunEventNotifier notifier,
    RunWorkSignal work,
    InFlightNodes inFlight,
    IEnumerable<ICancelledAttemptHook> cancelledAttemptHooks,
    TimeProvider time,
    ILogger<RunTransitions> logger)
{
    private const int MaxAttempts = 10;

    public async Task<TransitionResult> ApplyAsync(
        Guid runId,
        Func<DateTimeOffset, RunEvent?> makeEvent,
        Func<TransitionScope, Task>? alsoWrite,
        CancellationToken cancellationToken,
        IReadOnlyList<JsonObject>? extraUpdates = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Its own transaction, not the group commit: callers' alsoWrite may reach other features' code.
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var run = await db.Set<RunEntity>().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken) ?? throw NotFound(runId);
            var definition = await definitions.GetAsync(run.WorkflowId, run.WorkflowVersion, cancellationToken);
            var now = time.GetUtcNow();
            var before = await RunStateRows.LoadAsync(db, run, cancellationToken);
            var evt = makeEvent(now);
            var result = evt is null ? new SchedulerResult(before, []) : RunScheduler.Apply(definition.Plan, before, evt);
            var cancelled = await RunTransitionWriter.WriteAsync(db, run, definition, before, result, now.UtcDateTime, extraUpdates, cancellationToken);
            await CloseWaitingAttemptsAsync(db, runId, before, result.State, now.UtcDateTime, cancellationToken);
            try
            {
                await CloseCancelledAttemptsAsync(db, cancelled, now.UtcDateTime, cancellationToken);

                if (alsoWrite is not null)
                {
                    await alsoWrite(new TransitionScope(db, run, definition, result.State, now.UtcDateTime));
                }

                await db.SaveChangesAsync(cancellationToken);
                await NotifyOtherProcessesAsync(db, runId, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException conflict) when (attempt < MaxAttempts && (conflict is DbUpdateConcurrencyException || IsEventNumberRace(conflict)))
            {
                Log.TransitionRetried(logger, runId, attempt);
                continue;
            }

            AfterCommit(run, cancelled);
            if (result.Ignored is { } ignored)
            {
                Log.EventIgnored(logger, runId, evt?.GetType().Name ?? "none", ignored);
            }

            return new TransitionResult(result.State, result.Ignored);
        }
    }

    /// <summary>
    /// Commits a coalesced stretch: the steps a worker already applied in memory to the checkpoint it
    /// loaded (<paramref name="loaded"/>, untracked), each step's events and commands in order (minus the
    /// node attempts it already ran inline), the final checkpoint once, and whatever the caller adds.
    /// False, with nothing written, when another writer changed the run since it was loaded: the caller
    /// then commits its first result alone, which is always valid on the fresh state.
    /// </summary>
    public async Task<bool> TryCommitStretchAsync(
        RunEntity loaded,
        WorkflowDefinition definition,
        Stretch stretch,
        Func<TransitionScope, Task> alsoWrite,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<CancelledAttempt> cancelled;
        try
        {
            cancelled = await CommitStretchAsync(loaded, definition, stretch, alsoWrite, cancellationToken);
        }
        catch (DbUpdateException conflict) when (conflict is DbUpdateConcurrencyException || IsEventNumberRace(conflict))
        {
            // Rolled back with the unit's savepoint: nothing of the stretch was written.
            Log.TransitionRetried(logger, loaded.Id, 1);
            return false;
        }

        AfterCommit(loaded, cancelled, stretch.WritesTasks || (stretch.Final.IsFinished && loaded.ParentRunId is not null));
        return true;
    }

    private Task<IReadOnlyList<CancelledAttempt>> CommitStretchAsync(RunEntity loaded, WorkflowDefinition definition, Stretch stretch,
        Func<TransitionScope, Task> alsoWrite, CancellationToken cancellationToken) =>
        commits.CommitAsync<IReadOnlyList<CancelledAttempt>>(async (db, ct) =>
        {
            // No read first: the run row's update checks the version it was loaded with (a concurrency token),
            // and another writer's events collide on their numbers; either rolls the unit back.
            var run = loaded;
            db.Attach(run);
            var now = time.GetUtcNow().UtcDateTime;
            var cancelled = new List<CancelledAttempt>();
            foreach (var step in stretch.Steps)
            {
                cancelled.AddRange(await RunTransitionWriter.WriteStepAsync(db, run, definition, step.Before, step.Written, now, null, ct));
            }

            RunTransitionWriter.WriteCheckpoint(db, run, definition.Plan, stretch.Steps[0].Before, stretch.Final, now);
            await CloseWaitingAttemptsAsync(db, run.Id, stretch.Steps[0].Before, stretch.Final, now, ct, stretch.Ran.Select(r => (r.Attempt.NodeId, r.Attempt.Attempt)).ToHashSet());
            await CloseCancelledAttemptsAsync(db, cancelled, now, ct);
            await alsoWrite(new TransitionScope(db, run, definition, stretch.Final, now));
            await db.SaveChangesAsync(ct);
            await NotifyOtherProcessesAsync(db, run.Id, ct);
            return cancelled;
        }, cancellationToken);

    /// <summary>Inside the transaction (a hook may save, so a concurrent change retries with the rest).</summary>
    private async Task CloseCancelledAttemptsAsync(ControlTowerDbContext db, IReadOnlyList<CancelledAttempt> cancelled, DateTime now, CancellationToken cancellationToken)
    {
        if (cancelled.Count == 0)
        {
            return;
        }

        foreach (var hook in cancelledAttemptHooks)
        {
            await hook.OnCancelledAsync(db, cancelled, now, cancellationToken);
        }
    }

    /// <summary>
    /// After a commit: stop cancelled attempts, wake the run's event readers, hand a finished run to its end
    /// waiters in memory, and wake the workers when it wrote tasks.
    /// </summary>
    public void AfterCommit(RunEntity run, IReadOnlyList<CancelledAttempt> cancelled, bool wroteTasks = true)
    {
        inFlight.Cancel(cancelled);
        notifier.Publish(run.Id);
        if (run.FinishedAt is not null)
        {
            notifier.PublishFinished(run);
        }

        if (wroteTasks)
        {
            work.Notify();
        }
    }

    /// <summary>
    /// A node that was parked (a timer, an approval, a child run) and is now finished gets its attempt's
    /// record closed with the result, whoever delivered it.
    /// </summary>
    private static async Task CloseWaitingAttemptsAsync(ControlTowerDbContext db, Guid runId, RunState before, RunState after,
        DateTime now, CancellationToken cancellationToken, IReadOnlySet<(string NodeId, int Attempt)>? ranInline = null)
    {
        // An attempt run inline in this stretch never had a waiting record: no statement needed for it.
        foreach (var node in after.ChangedNodes(before).Where(n => (n.Status is NodeStatus.Succeeded or NodeStatus.Failed or NodeStatus.Cancelled)
            && ranInline?.Contains((n.NodeId, n.Attempt)) != true))
        {
            var status = node.Status switch { NodeStatus.Succeeded => "succeeded", NodeStatus.Failed => "failed", _ => "cancelled" };
            var output = node.Output?.GetRawText();
            await db.Set<NodeExecutionEntity>()
                .Where(e => e.RunId == runId && e.NodeId == node.NodeId && e.Attempt == node.Attempt && e.Status == "waiting")
                .ExecuteUpdateAsync(
                    s => s.SetProperty(e => e.Status, status)
                        .SetProperty(e => e.FinishedAt, now)
                        .SetProperty(e => e.Outcome, node.Outcome)
                        .SetProperty(e => e.Output, e => output ?? e.Output)
                        .SetProperty(e => e.ErrorCode, node.Error == null ? null : node.Error.Code)
                        .SetProperty(e => e.ErrorMessage, node.Error == null ? null : node.Error.Message),
                    cancellationToken);
        }
    }

    /// <summary>On PostgreSQL, tells the other processes (delivered when the transaction commits).</summary>
    public static async Task NotifyOtherProcessesAsync(ControlTowerDbContext db, Guid runId, CancellationToken cancellationToken)
    {
        if (db.IsPostgreSql)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_notify({PostgresRunNotifications.Channel}, {runId.ToString()})", cancellationToken);
        }
    }

    /// <summary>
    /// A concurrent transition of the same run (two processes, two branches) can collide on the next event number
    /// before the run row's version check: the same race, retried the same way.
    /// </summary>
    private static bool IsEventNumberRace(DbUpdateException conflict) => conflict.InnerException switch
    {
        Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation, ConstraintName: "pk_run_events" } => true,
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 } sqlite => sqlite.Message.Contains("run_events.", StringComparison.Ordinal),
        // MySQL 8 says "for key 'run_events.PRIMARY'"; MariaDB only "'PRIMARY'", and the engine's rows name the table for it.
        MySql.Data.MySqlClient.MySqlException { Number: MySqlProvider.DuplicateEntry } mysql =>
            mysql.Message.Contains("run_events.PRIMARY", StringComparison.Ordinal)
            || (mysql.Message.EndsWith("'PRIMARY'", StringComparison.Ordinal) && conflict.Message.Contains("run_events", StringComparison.Ordinal)),
        _ => false,
    };

    public static ControlTowerException NotFound(Guid runId) =>
        new(ErrorKind.NotFound, RunErrorCodes.NotFound, $"No run {runId}.");
}
