using System.Diagnostics;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Observability;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>
/// Carries out one claimed task: runs a node attempt (recording an intent first when the node has
/// side effects), or feeds a due retry, a fired timer or a finished child run back to the scheduler.
/// The result, the new state, the events and the task's deletion commit together.
/// </summary>
internal sealed partial class RunTaskProcessor(
    IDbContextFactory<ControlTowerDbContext> contexts,
    RunTransitions transitions,
    RunCommitQueue commits,
    RunStarter starter,
    Workflows.WorkflowDefinitions definitions,
    NodeAttemptRunner runner,
    ReplayRecordings replays,
    Releases.ReleaseRouter releases,
    RunPins pins,
    RunTaskHandlers handlers,
    INodeAttemptGate gate,
    RunStretches stretches,
    Blobs.PayloadBlobs blobs,
    TimeProvider time,
    ILogger<RunTaskProcessor> logger)
{
    // Compiled once per processor (one model): every claimed task loads its run.
    private readonly Func<ControlTowerDbContext, Guid, CancellationToken, Task<RunEntity?>> _findRun = EF.CompileAsyncQuery(
        (ControlTowerDbContext db, Guid runId, CancellationToken _) => db.Set<RunEntity>().AsNoTracking().SingleOrDefault(r => r.Id == runId));

    public Task ProcessAsync(RunTaskEntity task, CancellationToken stopping) => task.Kind switch
    {
        RunTaskKinds.Execute => ExecuteAsync(task, stopping),
        RunTaskKinds.Retry => ConsumeAsync(task, now => new RetryDue(task.NodeId, task.Attempt, now), stopping),
        RunTaskKinds.Timer => ConsumeAsync(task, now => new NodeCompleted(task.NodeId, task.Attempt, GraphEdge.DefaultSourceHandle, RunTransitionWriter.ToElement(Parse(task.Payload)), now), stopping),
        RunTaskKinds.Child => ChildFinishedAsync(task, stopping),
        _ when handlers.TryGet(task.Kind, out var handler) => handler.ProcessAsync(task, stopping),
        _ => throw new InvalidOperationException($"Unknown task kind '{task.Kind}'."),
    };

    private async Task ConsumeAsync(RunTaskEntity task, Func<DateTimeOffset, RunEvent> makeEvent, CancellationToken cancellationToken)
    {
        if (!await TryConsumeInStretchAsync(task, makeEvent, cancellationToken))
        {
            await transitions.ApplyAsync(task.RunId, makeEvent, scope => DeleteTaskAsync(scope, task), cancellationToken);
        }
    }

    /// <summary>
    /// Run-affine resumption: a fired timer, a due retry or a finished child whose run goes on with
    /// side-effect-free nodes runs them here and commits once with the task's deletion, as a node attempt
    /// does. False, with nothing written, when nothing would run inline or another writer changed the run.
    /// </summary>
    private async Task<bool> TryConsumeInStretchAsync(RunTaskEntity task, Func<DateTimeOffset, RunEvent> makeEvent, CancellationToken cancellationToken)
    {
        var (run, state) = await LoadAsync(task.RunId, cancellationToken);
        var definition = await definitions.GetAsync(run.WorkflowId, run.WorkflowVersion, cancellationToken);
        if (state.IsFinished || run.Trigger == ReplayRecordings.Trigger || !RunDurability.Coalesces(definition))
        {
            return false;
        }

        var first = RunScheduler.Apply(definition.Plan, state, makeEvent(time.GetUtcNow()));
        if (first.Ignored is not null || !first.Commands.OfType<ExecuteNode>().Any(e => RunDurability.RunsInline(definition.Plan.Node(e.NodeId))))
        {
            return false;
        }

        var stretch = await stretches.ContinueAsync(run, definition, state, first, cancellationToken);
        return stretch.Ran.Count > 0 && await transitions.TryCommitStretchAsync(run, definition, stretch, async scope =>
        {
            await DeleteTaskAsync(scope, task);
            RunStretches.AddExecutions(scope.Db, stretch.Ran, scope.Now);
        }, cancellationToken);
    }

    private async Task ChildFinishedAsync(RunTaskEntity task, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var child = await db.Set<RunEntity>().AsNoTracking().SingleAsync(r => r.Id == Guid.Parse(task.Payload!), cancellationToken);
        // The parent keeps the child's output: a blob it refers to is the parent's too, whatever retention does with the child.
        await blobs.ShareAsync(task.RunId, Parse(child.Output), cancellationToken);
        await ConsumeAsync(task, now => child.Status == "completed"
            ? new NodeCompleted(task.NodeId, task.Attempt, GraphEdge.DefaultSourceHandle, RunTransitionWriter.ToElement(Parse(child.Output)), now)
            : new NodeFailed(task.NodeId, task.Attempt, RunErrorCodes.ChildFailed, $"Child run {child.Id} {child.Status}: {child.ErrorCode} {child.ErrorMessage}", false, now),
            cancellationToken);
    }

    private async Task ExecuteAsync(RunTaskEntity task, CancellationToken stopping)
    {
        var (run, state) = await LoadAsync(task.RunId, stopping);
        var node = state.Nodes.FirstOrDefault(n => n.NodeId == task.NodeId);
        if (state.IsFinished || node is null || node.Status != NodeStatus.Running || node.Attempt != task.Attempt)
        {
            // Stale: the run ended or moved on since this task was written.
            await DeleteTaskAsync(task, stopping);
            return;
        }

        var definition = await definitions.GetAsync(run.WorkflowId, run.WorkflowVersion, stopping);
        var plan = definition.Plan.Node(task.NodeId);
        var key = $"{run.Id}:{task.NodeId}:{task.Attempt}";
        var replaying = run.Trigger == ReplayRecordings.Trigger;
        if (replaying && plan.Descriptor.ReplaysFromRecording)
        {
            // A replay feeds side-effecting and non-deterministic nodes what the original recorded instead of acting again.
            var recorded = await replays.RecordedResultAsync(run.Id, task.NodeId, task.Attempt, stopping);
            await blobs.ShareAsync(run.Id, recorded is NodeResult.Completed done ? done.Output : null, stopping);
            await CommitResultAsync(task, run, plan, key, time.GetUtcNow(), recorded, stopping);
            return;
        }

        if (await pins.PinnedAsync(run, plan, stopping) is { } pinned)
        {
            // A manual test run's pinned node answers with its pin: no intent, no call.
            await CommitResultAsync(task, run, plan, key, time.GetUtcNow(), pinned, stopping);
            return;
        }

        // Checked when the attempt is claimed: one already past here when its type is switched off runs to its end.
        if (await gate.HoldIfClosedAsync(task, plan.Type, stopping))
        {
            return;
        }

        if (plan.Descriptor.HasSideEffects && await RecordIntentAsync(task, plan, key, stopping) is IntentOutcome.AskPerson)
        {
            await ConsumeAsync(task, now => new NodeWaiting(task.NodeId, task.Attempt, "outcome_unknown", now), stopping);
            return;
        }

        var started = time.GetUtcNow();
        var attempt = new NodeAttempt(run, plan, task.Attempt, Parse(task.Payload)?.AsObject() ?? []);
        var result = await runner.RunAsync(attempt, started, replaying, stopping);
        if (result is null)
        {
            return;
        }

        if (!replaying && result is NodeResult.Completed or NodeResult.Failed
            && await TryCommitStretchAsync(task, run, state, definition, plan, started, result, RunDurability.Coalesces(definition), stopping))
        {
            return;
        }

        await CommitResultAsync(task, run, plan, key, started, result, stopping);
    }

    /// <summary>
    /// Run-affine execution: while this worker holds the task's lease, the run's next ready side-effect-free
    /// nodes run here, in memory (<paramref name="inline"/>: checkpoint mode), and everything commits once at the next
    /// durability boundary (a node with side effects or a wait becomes a task, or the run ends). In step mode the result
    /// alone commits, through the same group commit, so concurrent runs still share an fsync. False when another writer
    /// changed the run meanwhile: nothing was written, and the caller commits this task's result in its own transaction.
    /// </summary>
    private async Task<bool> TryCommitStretchAsync(RunTaskEntity task, RunEntity run, RunState state, WorkflowDefinition definition,
        PlanNode plan, DateTimeOffset started, NodeResult result, bool inline, CancellationToken stopping)
    {
        var first = RunScheduler.Apply(definition.Plan, state, NodeResultRecords.ToEvent(task.NodeId, task.Attempt, result, time.GetUtcNow()));
        if (first.Ignored is not null)
        {
            return false;
        }

        var stretch = inline ? await stretches.ContinueAsync(run, definition, state, first, stopping) : new Stretch([new CoalescedStep(state, first)], []);
        return await transitions.TryCommitStretchAsync(run, definition, stretch, async scope =>
        {
            await DeleteTaskAsync(scope, task);
            await RecordResultAsync(scope, task, plan, $"{run.Id}:{task.NodeId}:{task.Attempt}", started, result);
            RunStretches.AddExecutions(scope.Db, stretch.Ran, scope.Now);
        }, stopping);
    }

    private enum IntentOutcome
    {
        Proceed,
        AskPerson,
    }

    /// <summary>
    /// Before a side effect: write the intent, committed. If an intent without a result is already
    /// there, a previous attempt crashed between acting and recording, and nobody knows whether it
    /// acted: the node's policy says whether to act again (the idempotency key lets the other side
    /// de-duplicate) or to ask a person.
    /// </summary>
    private async Task<IntentOutcome> RecordIntentAsync(RunTaskEntity task, PlanNode plan, string key, CancellationToken cancellationToken)
    {
        bool existing;
        try
        {
            // Looked up first, because a found intent is an expected outcome (a crash between intent and result), and a
            // key violation would be logged as a database error; the key (run, node, attempt) still settles a race.
            existing = await commits.CommitAsync(async (db, ct) =>
            {
                if (await db.Set<NodeExecutionEntity>().AnyAsync(e => e.RunId == task.RunId && e.NodeId == task.NodeId && e.Attempt == task.Attempt, ct))
                {
                    return true;
                }

                var intent = NodeResultRecords.NewExecution(task.RunId, task.NodeId, task.Attempt, plan.Type, key, task.Payload, time.GetUtcNow());
                intent.Status = "intent";
                db.Add(intent);
                await db.SaveChangesAsync(ct);
                return false;
            }, cancellationToken);
        }
        catch (DbUpdateException taken) when (UniqueViolations.ConflictCode(taken) is not null)
        {
            existing = true;
        }

        if (existing)
        {
            Log.OutcomeUnknown(logger, task.RunId, task.NodeId, task.Attempt, plan.OnUnknownOutcome.ToString());
            return plan.OnUnknownOutcome == UnknownOutcomePolicy.Ask ? IntentOutcome.AskPerson : IntentOutcome.Proceed;
        }

        return IntentOutcome.Proceed;
    }

    private Task CommitResultAsync(RunTaskEntity task, RunEntity run, PlanNode plan, string key, DateTimeOffset started, NodeResult result, CancellationToken cancellationToken) =>
        transitions.ApplyAsync(
            task.RunId,
            now => ToEvent(task, result, now),
            async scope =>
            {
                await DeleteTaskAsync(scope, task);
                await RecordResultAsync(scope, task, plan, key, started, result);
                switch (result)
                {
                    case NodeResult.Waiting { Reason: "timer", ResumeAt: { } resumeAt } timer:
                        RunTransitionWriter.AddTask(scope.Db, task.RunId, task.NodeId, task.Attempt, RunTaskKinds.Timer, resumeAt.UtcDateTime, timer.Output?.ToJsonString(), scope.Now);
                        break;
                    case NodeResult.StartChild child:
                        await StartChildAsync(scope, task, run, child, cancellationToken);
                        break;
                }
            },
            cancellationToken);

    private async Task StartChildAsync(TransitionScope scope, RunTaskEntity task, RunEntity parent, NodeResult.StartChild child, CancellationToken cancellationToken)
    {
        // A child without a pinned version goes through its workflow's release, split by the parent's attempt.
        var definition = child.Version is { } version
            ? await definitions.GetAsync(child.WorkflowId, version, cancellationToken)
            : await releases.ChooseAsync(child.WorkflowId, $"{parent.Id}:{task.NodeId}:{task.Attempt}", null, cancellationToken);
        var request = new StartRunRequest(child.WorkflowId, child.Input, "subworkflow", parent.StartedBy, $"run:{parent.Id}", PrincipalSource: RunPrincipals.ParentRun);
        await starter.AddRunAsync(scope.Db, definition, request, (parent.Id, task.NodeId, task.Attempt, parent.TraceId), cancellationToken);
    }

    private static RunEvent ToEvent(RunTaskEntity task, NodeResult result, DateTimeOffset now) => NodeResultRecords.ToEvent(task.NodeId, task.Attempt, result, now);

    private static async Task RecordResultAsync(TransitionScope scope, RunTaskEntity task, PlanNode plan, string key, DateTimeOffset started, NodeResult result)
    {
        // Only a node with side effects has a row already (its intent); any other inserts without looking first.
        if (plan.Descriptor.HasSideEffects
            && await scope.Db.Set<NodeExecutionEntity>().SingleOrDefaultAsync(e => e.RunId == task.RunId && e.NodeId == task.NodeId && e.Attempt == task.Attempt) is { } intent)
        {
            NodeResultRecords.Finish(intent, result, scope.Now);
            return;
        }

        var row = NodeResultRecords.NewExecution(task.RunId, task.NodeId, task.Attempt, plan.Type, key, task.Payload, started);
        NodeResultRecords.Finish(row, result, scope.Now);
        scope.Db.EngineRows.Add(row);
    }

    private async Task<(RunEntity Run, RunState State)> LoadAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await _findRun(db, runId, cancellationToken) ?? throw RunTransitions.NotFound(runId);
        return (run, await RunStateRows.LoadAsync(db, run, cancellationToken));
    }

    private static async Task DeleteTaskAsync(TransitionScope scope, RunTaskEntity task) =>
        await scope.Db.Set<RunTaskEntity>().Where(t => t.Id == task.Id).ExecuteDeleteAsync();

    private async Task DeleteTaskAsync(RunTaskEntity task, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Set<RunTaskEntity>().Where(t => t.Id == task.Id).ExecuteDeleteAsync(cancellationToken);
    }

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);
}
