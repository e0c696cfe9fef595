using System.Diagnostics;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Observability;
using ControlTower.Server.Platform.Persistence;
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
    RunStarter starter,
    Workflows.WorkflowDefinitions definitions,
    InFlightNodes inFlight,
    NodeExecutorRegistry executors,
    ReplayRecordings replays,
    EngineMetrics metrics,
    Credentials.SecretRegistry secrets,
    Governance.ApprovalService approvals,
    NodeSwitches.NodeTypeParking parking,
    NodeOutputLimit outputLimit,
    TimeProvider time,
    ILogger<RunTaskProcessor> logger)
{
    public Task ProcessAsync(RunTaskEntity task, CancellationToken stopping) => task.Kind switch
    {
        RunTaskKinds.Execute => ExecuteAsync(task, stopping),
        RunTaskKinds.Retry => ConsumeAsync(task, now => new RetryDue(task.NodeId, task.Attempt, now), stopping),
        RunTaskKinds.Timer => ConsumeAsync(task, now => new NodeCompleted(task.NodeId, task.Attempt, GraphEdge.DefaultSourceHandle, RunTransitionWriter.ToElement(Parse(task.Payload)), now), stopping),
        RunTaskKinds.Child => ChildFinishedAsync(task, stopping),
        RunTaskKinds.Approval => approvals.ProcessTaskAsync(task, stopping),
        RunTaskKinds.Parked => parking.ProcessAsync(task, stopping),
        _ => throw new InvalidOperationException($"Unknown task kind '{task.Kind}'."),
    };

    private Task ConsumeAsync(RunTaskEntity task, Func<DateTimeOffset, RunEvent> makeEvent, CancellationToken cancellationToken) =>
        transitions.ApplyAsync(task.RunId, makeEvent, scope => DeleteTaskAsync(scope, task), cancellationToken);

    private async Task ChildFinishedAsync(RunTaskEntity task, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var child = await db.Set<RunEntity>().AsNoTracking().SingleAsync(r => r.Id == Guid.Parse(task.Payload!), cancellationToken);
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
            await CommitResultAsync(task, run, plan, key, time.GetUtcNow(), recorded, stopping);
            return;
        }

        // Checked when the attempt is claimed: one already past here when its type is switched off runs to its end.
        if (await parking.ParkIfDisabledAsync(task, plan.Type, stopping))
        {
            return;
        }

        if (plan.Descriptor.HasSideEffects && await RecordIntentAsync(task, plan, key, stopping) is IntentOutcome.AskPerson)
        {
            await ConsumeAsync(task, now => new NodeWaiting(task.NodeId, task.Attempt, "outcome_unknown", now), stopping);
            return;
        }

        var started = time.GetUtcNow();
        var startTimestamp = time.GetTimestamp();
        using var activity = StartActivity(run, plan, task.Attempt);
        var result = await RunExecutorAsync(task, run, plan, key, started, stopping);
        if (result is NodeResult.Failed failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, failed.Code);
        }

        if (result is null)
        {
            return;
        }

        if (replaying && result is NodeResult.Waiting { Reason: DelayExecutor.TimerReason } timer)
        {
            result = NodeResult.Success(timer.Output); // a replay does not wait out its delays
        }

        result = outputLimit.Apply(result);
        metrics.RecordNode(plan.Type, result, time.GetElapsedTime(startTimestamp));
        await CommitResultAsync(task, run, plan, key, started, NodeResultRedaction.Redact(result, secrets.Redactor), stopping);
    }

    /// <summary>A span per node attempt, in the run's own trace (the trace id its events carry).</summary>
    private static Activity? StartActivity(RunEntity run, PlanNode plan, int attempt)
    {
        var parent = ActivityTraceId.CreateFromString(run.TraceId.AsSpan());
        var activity = Telemetry.Source.StartActivity(
            $"node {plan.Type}",
            ActivityKind.Internal,
            new ActivityContext(parent, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded));
        activity?.SetTag("controltower.run.id", run.Id.ToString());
        activity?.SetTag("controltower.node.id", plan.Id);
        activity?.SetTag("controltower.node.attempt", attempt);
        return activity;
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
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Set<NodeExecutionEntity>().SingleOrDefaultAsync(
            e => e.RunId == task.RunId && e.NodeId == task.NodeId && e.Attempt == task.Attempt, cancellationToken);
        if (existing is not null)
        {
            Log.OutcomeUnknown(logger, task.RunId, task.NodeId, task.Attempt, plan.OnUnknownOutcome.ToString());
            return plan.OnUnknownOutcome == UnknownOutcomePolicy.Ask ? IntentOutcome.AskPerson : IntentOutcome.Proceed;
        }

        db.Add(new NodeExecutionEntity
        {
            RunId = task.RunId,
            NodeId = task.NodeId,
            Attempt = task.Attempt,
            NodeType = plan.Type,
            IdempotencyKey = key,
            Status = "intent",
            Input = task.Payload,
            StartedAt = time.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return IntentOutcome.Proceed;
    }

    /// <summary>Runs the executor with the node's timeout; null when the attempt was abandoned (cancelled, or the process is stopping).</summary>
    private async Task<NodeResult?> RunExecutorAsync(RunTaskEntity task, RunEntity run, PlanNode plan, string key, DateTimeOffset started, CancellationToken stopping)
    {
        if (!executors.TryGet(plan.Type, out var executor))
        {
            return new NodeResult.Failed(NodeErrorCodes.TypeUnsupported, $"No executor runs node type '{plan.Type}' in this build.", false);
        }

        using var attempt = inFlight.Register(run.Id, task.NodeId, task.Attempt, stopping);
        using var timeout = new CancellationTokenSource(plan.Timeout ?? Timeout.InfiniteTimeSpan, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, timeout.Token);
        var progress = new Progress<NodeProgress>(p => _ = ReportProgressAsync(run.Id, task.NodeId, task.Attempt, p));
        var context = new NodeExecutionContext(
            run.Id, run.WorkflowId, run.WorkflowVersion, task.NodeId, plan.Type, task.Attempt, key,
            (JsonObject)plan.Config.DeepClone(), Parse(task.Payload)?.AsObject() ?? [], run.StartedBy, started, run.TraceId, progress);
        try
        {
            return await executor.ExecuteAsync(context, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !attempt.IsCancellationRequested)
        {
            return new NodeResult.Failed(RunErrorCodes.Timeout, $"Node '{task.NodeId}' did not finish within {plan.Timeout}.", true);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested)
        {
            // Cancelled by the run (or the process is stopping): the scheduler already moved on, or another process will resume.
            Log.AttemptAbandoned(logger, run.Id, task.NodeId, task.Attempt, stopping.IsCancellationRequested ? "stopping" : "cancelled");
            return null;
        }
        catch (ControlTowerException failure)
        {
            return new NodeResult.Failed(failure.Code, failure.Message, failure.Kind is ErrorKind.Unavailable or ErrorKind.Timeout);
        }
#pragma warning disable CA1031 // The executor seam: a bug in one node type becomes that node's recorded failure, not a task retried forever.
        catch (Exception crash) when (crash is not OperationCanceledException)
#pragma warning restore CA1031
        {
            Log.ExecutorCrashed(logger, crash, run.Id, task.NodeId, plan.Type);
            return new NodeResult.Failed(RunErrorCodes.ExecutorCrashed, $"The {plan.Type} executor failed unexpectedly ({crash.GetType().Name}); the trace id identifies it in the logs.", false);
        }
        finally
        {
            inFlight.Unregister(run.Id, task.NodeId, task.Attempt);
        }
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
        var definition = child.Version is { } version
            ? await definitions.GetAsync(child.WorkflowId, version, cancellationToken)
            : await definitions.GetLatestRunnableAsync(child.WorkflowId, cancellationToken);
        var request = new StartRunRequest(child.WorkflowId, child.Input, "subworkflow", parent.StartedBy, $"run:{parent.Id}");
        await starter.AddRunAsync(scope.Db, definition, request, (parent.Id, task.NodeId, task.Attempt, parent.TraceId), cancellationToken);
    }

    private static RunEvent ToEvent(RunTaskEntity task, NodeResult result, DateTimeOffset now) => result switch
    {
        NodeResult.Completed completed => new NodeCompleted(task.NodeId, task.Attempt, completed.Outcome, RunTransitionWriter.ToElement(completed.Output), now),
        NodeResult.Failed failed => new NodeFailed(task.NodeId, task.Attempt, failed.Code, failed.Message, failed.Retryable, now),
        NodeResult.Waiting waiting => new NodeWaiting(task.NodeId, task.Attempt, waiting.Reason, now),
        NodeResult.StartChild => new NodeWaiting(task.NodeId, task.Attempt, "subworkflow", now),
        _ => throw new InvalidOperationException($"Unknown node result {result.GetType().Name}."),
    };

    private static async Task RecordResultAsync(TransitionScope scope, RunTaskEntity task, PlanNode plan, string key, DateTimeOffset started, NodeResult result)
    {
        var row = await scope.Db.Set<NodeExecutionEntity>().SingleOrDefaultAsync(e => e.RunId == task.RunId && e.NodeId == task.NodeId && e.Attempt == task.Attempt);
        if (row is null)
        {
            row = new NodeExecutionEntity
            {
                RunId = task.RunId,
                NodeId = task.NodeId,
                Attempt = task.Attempt,
                NodeType = plan.Type,
                IdempotencyKey = key,
                Status = "running",
                Input = task.Payload,
                StartedAt = started.UtcDateTime,
            };
            scope.Db.Add(row);
        }

        row.FinishedAt = scope.Now;
        switch (result)
        {
            case NodeResult.Completed completed:
                (row.Status, row.Outcome, row.Output) = ("succeeded", completed.Outcome, completed.Output?.ToJsonString());
                break;
            case NodeResult.Failed failed:
                (row.Status, row.Outcome, row.ErrorCode, row.ErrorMessage) = ("failed", NodeTypeDescriptor.ErrorOutcome, failed.Code, failed.Message);
                break;
            case NodeResult.Waiting waiting:
                (row.Status, row.Output, row.FinishedAt) = ("waiting", waiting.Output?.ToJsonString(), null);
                break;
            default:
                (row.Status, row.FinishedAt) = ("waiting", null);
                break;
        }
    }

    private async Task ReportProgressAsync(Guid runId, string nodeId, int attempt, NodeProgress progress)
    {
        var update = new JsonObject
        {
            ["kind"] = "progress",
            ["node_id"] = nodeId,
            ["attempt"] = attempt,
            ["progress"] = progress.Progress,
            ["total"] = progress.Total,
            ["message"] = progress.Message is { } message ? secrets.Redact(message) : null,
        };
        try
        {
            await transitions.ApplyAsync(runId, _ => null, null, CancellationToken.None, [update]);
        }
        catch (DbUpdateException failure)
        {
            // Progress is informational: losing one update must not fail the node, but it is not silent.
            Log.ProgressLost(logger, failure, runId, nodeId);
        }
    }

    private async Task<(RunEntity Run, RunState State)> LoadAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Set<RunEntity>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancellationToken)
            ?? throw RunTransitions.NotFound(runId);
        return (run, RunStateJson.Deserialize(run.State));
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
