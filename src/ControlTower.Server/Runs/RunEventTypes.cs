using ControlTower.Core.Errors;

namespace ControlTower.Server.Runs;

/// <summary>The event types of the run stream (DESIGN.md §2) and the durable task kinds.</summary>
internal static class RunEventTypes
{
    public const string Update = "update";
    public const string Complete = "complete";
    public const string Error = "error";

    public const string SchemaVersion = "1.0";
}

internal static class RunTaskKinds
{
    /// <summary>Run a node attempt now.</summary>
    public const string Execute = "execute";

    /// <summary>A retry's backoff has passed: issue the next attempt.</summary>
    public const string Retry = "retry";

    /// <summary>A delay node's timer fired: complete it with the stored output.</summary>
    public const string Timer = "timer";

    /// <summary>A child run ended: resume the parent's subworkflow node.</summary>
    public const string Child = "child";

    /// <summary>An approval falls due (expire, escalate) or closed (resolve its node); payload <c>{ approvalId, action }</c>.</summary>
    public const string Approval = "approval";

    /// <summary>
    /// An attempt parked because its node type is switched off; payload: its activation. Due when the type is
    /// switched back on (the switch wakes it in the same transaction), and meanwhile every recheck interval.
    /// </summary>
    public const string Parked = "parked";
}

/// <summary>Stable codes of runs: the run API's refusals and the errors the engine gives a node or a run.</summary>
internal static class RunErrorCodes
{
    /// <summary>No run with this id.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string NotFound = "run.not_found";

    /// <summary>The node is not waiting for a person's decision.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string NotWaiting = "run.node_not_waiting";

    /// <summary>The run has no failed node to retry from.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string NotRetryable = "run.not_retryable";

    /// <summary>The run has finished; it cannot be cancelled or changed.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string Finished = "run.finished";

    /// <summary>A node resolution's <c>action</c> is not retry, skip or fail.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string ResolutionInvalid = "run.resolution_invalid";

    /// <summary>A node attempt ran longer than its timeout. Retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string Timeout = "node.timeout";

    /// <summary>A node's executor threw something other than a node failure (a bug); the attempt failed. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string ExecutorCrashed = "node.executor_crashed";

    /// <summary>A subworkflow node's child run failed.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string ChildFailed = "subworkflow.failed";

    /// <summary>A person chose to fail a waiting node (<c>action: fail</c>). Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string FailedByPerson = "node.failed_by_person";

    /// <summary>A node attempt failed without a more specific code (a replayed failure whose recording kept none).</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string NodeFailed = "node.failed";

    /// <summary>The run was cancelled; the run's error carries the reason given.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string Cancelled = "run.cancelled";
}
