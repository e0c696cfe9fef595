using System.Diagnostics;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Observability;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>
/// One node attempt to carry out: its run, plan node, number, activation and idempotency key. <see cref="Inline"/>: it runs
/// in a coalesced stretch, so its running state is never committed before it ends (no committed cancellation can name it).
/// <see cref="Source"/>: the scheduler's activation the JSON was built from, when the attempt has it (its record's input
/// then refers to stored values, and a check of its elements tells whether any payload is stored by reference).
/// </summary>
internal sealed record NodeAttempt(RunEntity Run, PlanNode Plan, int Attempt, JsonObject Activation, bool Inline = false, NodeActivation? Source = null)
{
    public string NodeId => Plan.Id;

    public string Key => $"{Run.Id}:{Plan.Id}:{Attempt}";
}

/// <summary>
/// Runs one node attempt through its executor, whether it came from a claimed task or runs inline in a
/// coalesced stretch: the node's timeout, cancellation by the run, a span in the run's trace, the output size limit,
/// the metrics, and the secrets redacted from the result before anyone stores it.
/// </summary>
internal sealed partial class NodeAttemptRunner(
    NodeExecutorRegistry executors,
    InFlightNodes inFlight,
    EngineMetrics metrics,
    Credentials.SecretRegistry secrets,
    NodeOutputLimit outputLimit,
    RunTransitions transitions,
    RunPins pins,
    Blobs.PayloadBlobs blobs,
    TimeProvider time,
    ILogger<NodeAttemptRunner> logger)
{
    /// <summary>The redacted result; null when the attempt was abandoned (cancelled, or the process is stopping).</summary>
    public async Task<NodeResult?> RunAsync(NodeAttempt attempt, DateTimeOffset started, bool replaying, CancellationToken stopping)
    {
        var startTimestamp = time.GetTimestamp();
        using var activity = StartActivity(attempt);
        var result = await ExecuteAsync(attempt, started, stopping);
        if (result is NodeResult.Failed failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, failed.Code);
        }

        if (result is null)
        {
            return null;
        }

        if (replaying && result is NodeResult.Waiting { Reason: DelayExecutor.TimerReason } timer)
        {
            result = NodeResult.Success(timer.Output); // a replay does not wait out its delays
        }

        // Redacted first, so the size checked is the size stored, and the serialized form kept is the redacted one.
        result = outputLimit.Apply(NodeResultRedaction.Redact(result, secrets.Redactor));
        result = await OffloadAsync(attempt.Run.Id, result, stopping);
        metrics.RecordNode(attempt.Run.WorkflowId, attempt.Run.WorkflowVersion, attempt.Plan.Type, result, time.GetElapsedTime(startTimestamp));
        return result;
    }

    /// <summary>A large output goes to the blob store; a store that cannot take it fails the attempt (retryable).</summary>
    private async Task<NodeResult> OffloadAsync(Guid runId, NodeResult result, CancellationToken cancellationToken)
    {
        try
        {
            return await blobs.OffloadAsync(runId, result, cancellationToken);
        }
        catch (ControlTowerException failure) when (failure.Kind == ErrorKind.Unavailable)
        {
            return new NodeResult.Failed(failure.Code, failure.Message, Retryable: true);
        }
    }

    /// <summary>A span per node attempt, in the run's own trace (the trace id its events carry).</summary>
    private static Activity? StartActivity(NodeAttempt attempt)
    {
        var parent = ActivityTraceId.CreateFromString(attempt.Run.TraceId.AsSpan());
        var activity = Telemetry.Source.StartActivity(
            $"node {attempt.Plan.Type}",
            ActivityKind.Internal,
            new ActivityContext(parent, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded));
        activity?.SetTag("controltower.run.id", attempt.Run.Id.ToString());
        activity?.SetTag("controltower.node.id", attempt.NodeId);
        activity?.SetTag("controltower.node.attempt", attempt.Attempt);
        return activity;
    }

    private async Task<NodeResult?> ExecuteAsync(NodeAttempt attempt, DateTimeOffset started, CancellationToken stopping)
    {
        var (run, plan) = (attempt.Run, attempt.Plan);
        if (await pins.PinnedAsync(run, plan, stopping) is { } pinned)
        {
            return pinned;
        }

        if (!executors.TryGet(plan.Type, out var executor))
        {
            return new NodeResult.Failed(NodeErrorCodes.TypeUnsupported, $"No executor runs node type '{plan.Type}' in this build.", false);
        }

        // Only an attempt whose running state is committed can be cancelled by a commit, so only such attempts register;
        // an inline one stops with the process (or its timeout). A node without a timeout gets no timer.
        using var running = attempt.Inline ? null : inFlight.Register(run.Id, plan.Id, attempt.Attempt, stopping);
        var cancelledBy = running?.Token ?? stopping;
        using var timeout = plan.Timeout is { } limit ? new CancellationTokenSource(limit, time) : null;
        using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancelledBy, timeout.Token);
        var token = linked?.Token ?? cancelledBy;
        var progress = new Progress<NodeProgress>(p => _ = ReportProgressAsync(run.Id, plan.Id, attempt.Attempt, p));
        try
        {
            // Payloads stored by reference come back here, so the executor and its expressions see them inline.
            var context = new NodeExecutionContext(
                run.Id, run.WorkflowId, run.WorkflowVersion, plan.Id, plan.Type, attempt.Attempt, attempt.Key,
                (JsonObject)plan.Config.DeepClone(), await HydrateAsync(attempt, token), run.StartedBy, started, run.TraceId, progress);
            return await executor.ExecuteAsync(context, token);
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !cancelledBy.IsCancellationRequested)
        {
            return new NodeResult.Failed(RunErrorCodes.Timeout, $"Node '{plan.Id}' did not finish within {plan.Timeout}.", true);
        }
        catch (OperationCanceledException) when (cancelledBy.IsCancellationRequested)
        {
            // Cancelled by the run (or the process is stopping): the scheduler already moved on, or another process will resume.
            Log.AttemptAbandoned(logger, run.Id, plan.Id, attempt.Attempt, stopping.IsCancellationRequested ? "stopping" : "cancelled");
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
            Log.ExecutorCrashed(logger, crash, run.Id, plan.Id, plan.Type);
            return new NodeResult.Failed(RunErrorCodes.ExecutorCrashed, $"The {plan.Type} executor failed unexpectedly ({crash.GetType().Name}); the trace id identifies it in the logs.", false);
        }
        finally
        {
            if (running is not null)
            {
                inFlight.Unregister(run.Id, plan.Id, attempt.Attempt);
            }
        }
    }

    /// <summary>The activation with payloads stored by reference loaded back; checked on the source's elements when it has one.</summary>
    private async ValueTask<JsonObject> HydrateAsync(NodeAttempt attempt, CancellationToken cancellationToken) =>
        attempt.Source is { } source && !Blobs.PayloadBlobs.MayHoldReferences(source)
            ? attempt.Activation
            : await blobs.HydrateActivationAsync(attempt.Activation, cancellationToken);

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
}
