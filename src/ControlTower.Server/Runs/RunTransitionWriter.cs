using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace ControlTower.Server.Runs;

/// <summary>A node attempt the transition cancelled, and why; the worker running it is told after the commit.</summary>
internal sealed record CancelledAttempt(Guid RunId, string NodeId, int Attempt, string Reason);

/// <summary>
/// Writes one scheduler step into a unit of work: the new checkpoint, one numbered event per node
/// state change, the run's own updates, the durable tasks for the commands, and the final event.
/// Nothing here commits: the caller commits it all in one transaction together with the node's
/// result, which is what makes a crash at any point resume from the last commit.
/// </summary>
internal static class RunTransitionWriter
{
    // Lower-case names by value, made once (enum ToString and ToLowerInvariant allocate per event).
    private static readonly string[] RunStatusNames = Names<RunStatus>();
    private static readonly string[] NodeStatusNames = Names<NodeStatus>();

    public static async Task<IReadOnlyList<CancelledAttempt>> WriteAsync(
        ControlTowerDbContext db,
        RunEntity run,
        WorkflowDefinition definition,
        RunState before,
        SchedulerResult result,
        DateTime now,
        IEnumerable<JsonObject>? extraUpdates,
        CancellationToken cancellationToken)
    {
        var cancelled = await WriteStepAsync(db, run, definition, before, result, now, extraUpdates, cancellationToken);
        WriteCheckpoint(db, run, definition.Plan, before, result.State, now);
        return cancelled;
    }

    /// <summary>
    /// One scheduler step's events and commands, without the checkpoint: a coalesced stretch writes
    /// each of its steps with this, in order, and the final state once (<see cref="WriteCheckpoint"/>).
    /// </summary>
    public static async Task<IReadOnlyList<CancelledAttempt>> WriteStepAsync(
        ControlTowerDbContext db,
        RunEntity run,
        WorkflowDefinition definition,
        RunState before,
        SchedulerResult result,
        DateTime now,
        IEnumerable<JsonObject>? extraUpdates,
        CancellationToken cancellationToken)
    {
        var cancelled = new List<CancelledAttempt>();
        var after = result.State;
        foreach (var extra in extraUpdates ?? [])
        {
            AppendEvent(db, run, RunEventTypes.Update, extra, now);
        }

        if (result.Ignored is null)
        {
            foreach (var node in after.ChangedNodes(before))
            {
                AppendEvent(db, run, RunEventTypes.Update, NodeUpdate(node, definition), now);
            }

            if (after.Status != before.Status && !after.IsFinished)
            {
                AppendEvent(db, run, RunEventTypes.Update, RunStatusUpdate(after.Status), now);
            }

            foreach (var command in result.Commands)
            {
                await ApplyAsync(db, run, command, now, cancelled, cancellationToken);
            }
        }

        return cancelled;
    }

    /// <summary>
    /// The checkpoint: the version bump that detects a concurrent writer, the nodes changed since <paramref name="before"/> (the
    /// state the run was loaded with) as rows, and the run row's header, status and phase.
    /// </summary>
    public static void WriteCheckpoint(ControlTowerDbContext db, RunEntity run, RunPlan plan, RunState before, RunState after, DateTime now)
    {
        run.StateVersion++;
        RunStateRows.Write(db, run, before, after);
        run.Status = StatusName(after.Status);
        run.Phase = plan.PhaseOf(after);
        if (!after.IsFinished)
        {
            // A run retried from its failed node is running again: it has not finished, and its old error is history.
            (run.FinishedAt, run.ErrorNodeId, run.ErrorCode, run.ErrorMessage) = (null, null, null, null);
        }

        run.UpdatedAt = now;
    }

    public static string StatusName(RunStatus status) => RunStatusNames[(int)status];

    public static void AppendEvent(ControlTowerDbContext db, RunEntity run, string type, JsonObject data, DateTime now) =>
        AppendEvent(db, run, type, data.ToJsonString(), now);

    public static void AppendEvent(ControlTowerDbContext db, RunEntity run, string type, string data, DateTime now)
    {
        db.EngineRows.Add(new RunEventEntity
        {
            RunId = run.Id,
            Seq = run.NextEventSeq++,
            Type = type,
            Timestamp = now,
            Data = data,
            TraceId = run.TraceId,
        });
    }

    public static void AddTask(ControlTowerDbContext db, Guid runId, string nodeId, int attempt, string kind, DateTime dueAt, string? payload, DateTime now) =>
        db.Add(new RunTaskEntity
        {
            Id = Guid.NewGuid(),
            RunId = runId,
            NodeId = nodeId,
            Attempt = attempt,
            Kind = kind,
            DueAt = dueAt,
            Payload = payload,
            CreatedAt = now,
        });

    private static async Task ApplyAsync(ControlTowerDbContext db, RunEntity run, RunCommand command, DateTime now, List<CancelledAttempt> cancelled, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case ExecuteNode execute:
                AddTask(db, run.Id, execute.NodeId, execute.Attempt, RunTaskKinds.Execute, now, execute.Activation.ToJsonString(), now);
                break;
            case ScheduleRetry retry:
                AddTask(db, run.Id, retry.NodeId, retry.NextAttempt, RunTaskKinds.Retry, retry.DueAt.UtcDateTime, null, now);
                break;
            case CancelNode cancel:
                // Its timers and pending retries go; the attempt itself may be running somewhere and is told after commit.
                await db.Set<RunTaskEntity>()
                    .Where(t => t.RunId == run.Id && t.NodeId == cancel.NodeId && t.Attempt <= cancel.Attempt + 1 && t.Kind != RunTaskKinds.Execute)
                    .ExecuteDeleteAsync(cancellationToken);
                cancelled.Add(new CancelledAttempt(run.Id, cancel.NodeId, cancel.Attempt, cancel.Reason));
                break;
            case CompleteRun complete:
                run.Output = complete.Output?.GetRawText();
                Finish(db, run, now, RunEventTypes.Complete, new JsonObject
                {
                    ["kind"] = "run",
                    ["status"] = "completed",
                    ["output"] = complete.Output is { } output ? JsonNode.Parse(output.GetRawText()) : null,
                });
                break;
            case FailRun fail:
                (run.ErrorNodeId, run.ErrorCode, run.ErrorMessage) = (fail.NodeId, fail.Code, fail.Message);
                Finish(db, run, now, RunEventTypes.Error, new JsonObject
                {
                    ["kind"] = "run",
                    ["status"] = "failed",
                    ["node_id"] = fail.NodeId,
                    ["code"] = fail.Code,
                    ["message"] = fail.Message,
                });
                break;
            case CancelRun cancelRun:
                (run.ErrorCode, run.ErrorMessage) = (RunErrorCodes.Cancelled, cancelRun.Reason);
                await db.Set<RunTaskEntity>().Where(t => t.RunId == run.Id).ExecuteDeleteAsync(cancellationToken);
                Finish(db, run, now, RunEventTypes.Error, new JsonObject
                {
                    ["kind"] = "run",
                    ["status"] = "cancelled",
                    ["code"] = RunErrorCodes.Cancelled,
                    ["message"] = cancelRun.Reason,
                });
                break;
        }
    }

    private static void Finish(ControlTowerDbContext db, RunEntity run, DateTime now, string type, JsonObject data)
    {
        run.FinishedAt = now;
        AppendEvent(db, run, type, data, now);
        if (run.ParentRunId is { } parent && run.ParentNodeId is { } parentNode && run.ParentAttempt is { } parentAttempt)
        {
            AddTask(db, parent, parentNode, parentAttempt, RunTaskKinds.Child, now, run.Id.ToString(), now);
        }
    }

    /// <summary>A node's state change as its event says it (written directly: ten of these per chain of ten).</summary>
    private static string NodeUpdate(NodeRunState node, WorkflowDefinition definition) =>
        EventJson.Write((node, definition.Plan.Node(node.NodeId).Type), static (json, state) =>
        {
            var (node, nodeType) = state;
            json.WriteStartObject();
            json.WriteString("kind", "node");
            json.WriteString("node_id", node.NodeId);
            json.WriteString("node_type", nodeType);
            json.WriteString("status", NodeStatusNames[(int)node.Status]);
            json.WriteNumber("attempt", node.Attempt);
            if (node.Outcome is { } outcome)
            {
                json.WriteString("outcome", outcome);
            }

            if (node.Error is { } error)
            {
                json.WriteStartObject("error");
                json.WriteString("code", error.Code);
                json.WriteString("message", error.Message);
                json.WriteEndObject();
            }

            if (node.WaitReason is { } reason)
            {
                json.WriteString("wait_reason", reason);
            }

            if (node.RetryDueAt is { } due)
            {
                json.WriteString("retry_due_at", due.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            }

            json.WriteEndObject();
        });

    private static string RunStatusUpdate(RunStatus status) =>
        EventJson.Write(StatusName(status), static (json, name) =>
        {
            json.WriteStartObject();
            json.WriteString("kind", "run");
            json.WriteString("status", name);
            json.WriteEndObject();
        });

    private static string[] Names<T>()
        where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        var names = new string[values.Max(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)) + 1];
        foreach (var value in values)
        {
            names[Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)] = value.ToString().ToLowerInvariant();
        }

        return names;
    }

    public static JsonElement? ToElement(JsonNode? node) =>
        node is null ? null : JsonSerializer.SerializeToElement(node);
}
