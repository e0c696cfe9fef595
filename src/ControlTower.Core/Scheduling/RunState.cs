using System.Collections.Immutable;
using System.Text.Json;

namespace ControlTower.Core.Scheduling;

/// <summary>Where a run is. Completed, Failed and Cancelled are final.</summary>
public enum RunStatus
{
    /// <summary>Created, <see cref="RunStarted"/> not applied yet.</summary>
    Pending,

    /// <summary>Some node is ready or running.</summary>
    Running,

    /// <summary>Nothing runs; some node waits (approval, timer, outcome_unknown) or backs off before a retry. Holds no thread.</summary>
    Waiting,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Where a node is. Succeeded, Failed, Skipped and Cancelled are final.</summary>
public enum NodeStatus
{
    /// <summary>Some incoming edge is unresolved.</summary>
    Pending,

    /// <summary>Runnable; not dispatched yet (parallelism limit reached, or a retry fell due).</summary>
    Ready,

    /// <summary>An <see cref="ExecuteNode"/> was issued for <see cref="NodeRunState.Attempt"/>.</summary>
    Running,

    /// <summary>The executor parked it (<see cref="NodeRunState.WaitReason"/>: approval, timer, outcome_unknown, ...).</summary>
    Waiting,

    /// <summary>Its last attempt failed retryably; a retry is due at <see cref="NodeRunState.RetryDueAt"/>.</summary>
    BackingOff,

    /// <summary>Finished with <see cref="NodeRunState.Outcome"/>.</summary>
    Succeeded,

    /// <summary>Failed for good (retries spent or not retryable); outcome <c>error</c>, caught when an error edge exists.</summary>
    Failed,

    /// <summary>Never ran: none of its incoming edges was taken (dead path).</summary>
    Skipped,

    /// <summary>The run ended (failed or cancelled) before this node finished.</summary>
    Cancelled,
}

/// <summary>An error of a node or run: stable code, human message.</summary>
public sealed record NodeError(string Code, string Message);

/// <summary>Why a run failed; <see cref="NodeId"/> is the failing node when there is one.</summary>
public sealed record RunError(string? NodeId, string Code, string Message);

/// <summary>
/// One node's state in a run. <see cref="Attempt"/> is the number of the latest attempt and never
/// goes back (loop iterations keep counting), so <c>runId:nodeId:attempt</c> is unique per run;
/// <see cref="Tries"/> counts attempts of the current activation (what the retry policy limits);
/// <see cref="Activations"/> counts how often the node became runnable (loop iterations).
/// <see cref="Outcome"/>/<see cref="Output"/>/<see cref="Error"/> are the latest result; a loop
/// reset keeps them (the next iteration sees the previous one), a skip clears them.
/// </summary>
public sealed record NodeRunState(string NodeId)
{
    public NodeStatus Status { get; init; }

    public int Attempt { get; init; }

    public int Tries { get; init; }

    public int Activations { get; init; }

    public string? Outcome { get; init; }

    public JsonElement? Output { get; init; }

    public NodeError? Error { get; init; }

    public string? WaitReason { get; init; }

    public DateTimeOffset? RetryDueAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The run's <see cref="RunState.Sequence"/> when this node last finished (orders results).</summary>
    public long CompletedSeq { get; init; }

    public bool IsFinal => Status is NodeStatus.Succeeded or NodeStatus.Failed or NodeStatus.Skipped or NodeStatus.Cancelled;

    /// <summary>Whether it has a result upstream nodes' successors can see (succeeded, or failed with outcome error).</summary>
    public bool HasResult => Outcome is not null;
}

/// <summary>
/// The immutable state of one run: what <see cref="RunScheduler.Apply"/> consumes and returns and
/// what the Server checkpoints (<see cref="RunStateJson"/>). <see cref="Nodes"/> is aligned with
/// <see cref="RunPlan.Nodes"/>, <see cref="LoopIterations"/> with <see cref="RunPlan.LoopEdges"/>.
/// </summary>
public sealed record RunState
{
    public required string RunId { get; init; }

    /// <summary>Seeds retry jitter; pick it when the run is created and never change it.</summary>
    public required long Seed { get; init; }

    public RunStatus Status { get; init; }

    public required ImmutableArray<NodeRunState> Nodes { get; init; }

    public required ImmutableArray<int> LoopIterations { get; init; }

    /// <summary>Node executions issued so far (the trigger counts one); at most <see cref="RunPlan.StepBudget"/>.</summary>
    public int StepsUsed { get; init; }

    /// <summary>Counts node completions; each finished node records its value in <see cref="NodeRunState.CompletedSeq"/>.</summary>
    public long Sequence { get; init; }

    public string? TriggerNodeId { get; init; }

    public JsonElement? Input { get; init; }

    /// <summary>Set when <see cref="Status"/> is Completed (see <see cref="RunScheduler"/> for what it holds).</summary>
    public JsonElement? Output { get; init; }

    public RunError? Error { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public bool IsFinished => Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>The state of a new run of <paramref name="plan"/>, before <see cref="RunStarted"/>.</summary>
    public static RunState Create(RunPlan plan, string runId, long seed)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return new RunState
        {
            RunId = runId,
            Seed = seed,
            Status = RunStatus.Pending,
            Nodes = [.. plan.Nodes.Select(n => new NodeRunState(n.Id))],
            LoopIterations = [.. plan.LoopEdges.Select(_ => 0)],
        };
    }

    public NodeRunState Node(string nodeId) =>
        Nodes.FirstOrDefault(n => n.NodeId == nodeId) ?? throw new SchedulerException(SchedulerErrorCodes.NodeUnknown, $"The run has no node '{nodeId}'.");

    /// <summary>
    /// The nodes whose state differs from <paramref name="previous"/> (one <c>update</c> event each).
    /// Compares by reference: Apply replaces exactly the nodes it changes, so pass the state Apply was given.
    /// </summary>
    public IEnumerable<NodeRunState> ChangedNodes(RunState previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        for (var i = 0; i < Nodes.Length; i++)
        {
            if (i >= previous.Nodes.Length || !ReferenceEquals(Nodes[i], previous.Nodes[i]))
            {
                yield return Nodes[i];
            }
        }
    }
}
