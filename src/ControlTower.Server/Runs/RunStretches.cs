using ControlTower.Core.Graphs;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Nodes;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Workflows;

namespace ControlTower.Server.Runs;

/// <summary>A node attempt that ran inline in a stretch, and its (redacted) result.</summary>
internal sealed record InlineResult(NodeAttempt Attempt, DateTimeOffset Started, NodeResult Result);

/// <summary>
/// Scheduler steps applied in memory since the run's last checkpoint, ready to commit together: each
/// step's state before it and its result as written (the commands carried out inline removed), and the
/// attempts that ran inline.
/// </summary>
internal sealed record Stretch(IReadOnlyList<CoalescedStep> Steps, IReadOnlyList<InlineResult> Ran)
{
    public RunState Final => Steps[^1].Written.State;

    /// <summary>Whether committing it writes tasks a worker should pick up (a waking signal is wasted otherwise).</summary>
    public bool WritesTasks => Steps.Any(s => s.Written.Commands.Any(c => c is ExecuteNode or ScheduleRetry));
}

/// <summary>One step of a stretch: the state before it and the scheduler's result as it is written.</summary>
internal sealed record CoalescedStep(RunState Before, SchedulerResult Written);

/// <summary>
/// Run-affine execution (README "Durability contract"): after a scheduler step, the run's next ready
/// deterministic, side-effect-free nodes run here, in memory, back to back, until none is left; what
/// remains (a node with side effects, a retry, a wait) is written as tasks when the stretch commits.
/// </summary>
internal sealed class RunStretches(NodeAttemptRunner runner, INodeAttemptGate gate, TimeProvider time)
{
    public async Task<Stretch> ContinueAsync(RunEntity run, WorkflowDefinition definition, RunState before, SchedulerResult first, CancellationToken stopping)
    {
        var ran = new List<InlineResult>();
        var applied = new List<(RunState Before, SchedulerResult Result)> { (before, first) };
        var ready = new Queue<ExecuteNode>(first.Commands.OfType<ExecuteNode>());
        var current = first.State;
        var open = new Dictionary<string, bool>(StringComparer.Ordinal); // each type's switch, read once per stretch
        while (applied.Count < RunDurability.MaxStretch && ready.TryDequeue(out var next))
        {
            var plan = definition.Plan.Node(next.NodeId);
            var node = current.Nodes[plan.Index];
            if (!RunDurability.RunsInline(plan) || node.Status != NodeStatus.Running || node.Attempt != next.Attempt
                || !await IsOpenAsync(open, plan.Type, stopping))
            {
                continue; // stays a task: it crosses a durability boundary, went stale, or its type is switched off
            }

            var attempt = new NodeAttempt(run, plan, next.Attempt, next.Activation.ToJson(), Inline: true, Source: next.Activation);
            var started = time.GetUtcNow();
            if (await runner.RunAsync(attempt, started, replaying: false, stopping) is not { } result)
            {
                break; // abandoned (the process is stopping): what ran so far commits, the rest stays tasks
            }

            var step = RunScheduler.Apply(definition.Plan, current, NodeResultRecords.ToEvent(next.NodeId, next.Attempt, result, time.GetUtcNow()));
            if (step.Ignored is not null)
            {
                continue;
            }

            ran.Add(new InlineResult(attempt, started, result));
            applied.Add((current, step));
            current = step.State;
            foreach (var command in step.Commands.OfType<ExecuteNode>())
            {
                ready.Enqueue(command);
            }
        }

        var inline = ran.Select(r => (r.Attempt.NodeId, r.Attempt.Attempt)).ToHashSet();
        return new Stretch(
            [.. applied.Select(a => new CoalescedStep(a.Before, a.Result with
            {
                Commands = [.. a.Result.Commands.Where(c => c is not ExecuteNode e || !inline.Contains((e.NodeId, e.Attempt)))],
            }))],
            ran);
    }

    private async ValueTask<bool> IsOpenAsync(Dictionary<string, bool> open, string nodeType, CancellationToken stopping)
    {
        if (!open.TryGetValue(nodeType, out var isOpen))
        {
            open[nodeType] = isOpen = await gate.IsOpenAsync(nodeType, stopping);
        }

        return isOpen;
    }

    /// <summary>The node-execution records of the attempts that ran inline (new rows: they never had an intent).</summary>
    public static void AddExecutions(ControlTowerDbContext db, IEnumerable<InlineResult> ran, DateTime now)
    {
        // In order: an attempt's input refers to the outputs of the records before it (NodeInputRecords).
        var produced = new NodeInputRecords.Produced();
        foreach (var (attempt, started, result) in ran)
        {
            var input = attempt.Source is { } source ? NodeInputRecords.Write(source, produced) : attempt.Activation.ToJsonString();
            var row = NodeResultRecords.NewExecution(attempt.Run.Id, attempt.NodeId, attempt.Attempt, attempt.Plan.Type, attempt.Key, input, started);
            NodeResultRecords.Finish(row, result, now);
            db.EngineRows.Add(row);
            produced.Record(attempt.NodeId, attempt.Attempt, result);
        }
    }
}

/// <summary>How a node result becomes a scheduler event and a node-execution record.</summary>
internal static class NodeResultRecords
{
    public static RunEvent ToEvent(string nodeId, int attempt, NodeResult result, DateTimeOffset now) => result switch
    {
        NodeResult.Completed completed => new NodeCompleted(nodeId, attempt, completed.Outcome, completed.Stored ?? RunTransitionWriter.ToElement(completed.Output), now),
        NodeResult.Failed failed => new NodeFailed(nodeId, attempt, failed.Code, failed.Message, failed.Retryable, now),
        NodeResult.Waiting waiting => new NodeWaiting(nodeId, attempt, waiting.Reason, now),
        NodeResult.StartChild => new NodeWaiting(nodeId, attempt, "subworkflow", now),
        _ => throw new InvalidOperationException($"Unknown node result {result.GetType().Name}."),
    };

    public static NodeExecutionEntity NewExecution(Guid runId, string nodeId, int attempt, string nodeType, string key, string? input, DateTimeOffset started) => new()
    {
        RunId = runId,
        NodeId = nodeId,
        Attempt = attempt,
        NodeType = nodeType,
        IdempotencyKey = key,
        Status = "running",
        Input = input,
        StartedAt = started.UtcDateTime,
    };

    public static void Finish(NodeExecutionEntity row, NodeResult result, DateTime now)
    {
        row.FinishedAt = now;
        switch (result)
        {
            case NodeResult.Completed completed:
                (row.Status, row.Outcome, row.Output) = ("succeeded", completed.Outcome, completed.Stored?.GetRawText() ?? completed.Output?.ToJsonString());
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
}
