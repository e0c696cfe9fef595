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
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var run = await db.Set<RunEntity>().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken) ?? throw NotFound(runId);
            var definition = await definitions.GetAsync(run.WorkflowId, run.WorkflowVersion, cancellationToken);
            var now = time.GetUtcNow();
            var before = RunStateJson.Deserialize(run.State);
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

            AfterCommit(runId, cancelled);
            if (result.Ignored is { } ignored)
            {
                Log.EventIgnored(logger, runId, evt?.GetType().Name ?? "none", ignored);
            }

            return new TransitionResult(result.State, result.Ignored);
        }
    }

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

    public void AfterCommit(Guid runId, IReadOnlyList<CancelledAttempt> cancelled)
    {
        inFlight.Cancel(cancelled);
        notifier.Publish(runId);
        work.Notify();
    }

    /// <summary>
    /// A node that was parked (a timer, an approval, a child run) and is now finished gets its attempt's
    /// record closed with the result, whoever delivered it.
    /// </summary>
    private static async Task CloseWaitingAttemptsAsync(ControlTowerDbContext db, Guid runId, RunState before, RunState after, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var node in after.ChangedNodes(before).Where(n => n.Status is NodeStatus.Succeeded or NodeStatus.Failed or NodeStatus.Cancelled))
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
    /// On PostgreSQL a concurrent transition of the same run (two processes, two branches) can collide on the next
    /// event number before the run row's version check: the same race, retried the same way.
    /// </summary>
    private static bool IsEventNumberRace(DbUpdateException conflict) =>
        conflict.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation, ConstraintName: "pk_run_events" };

    public static ControlTowerException NotFound(Guid runId) =>
        new(ErrorKind.NotFound, RunErrorCodes.NotFound, $"No run {runId}.");
}
