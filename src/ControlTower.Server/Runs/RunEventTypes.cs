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

internal static class RunErrorCodes
{
    public const string NotFound = "run.not_found";
    public const string Contended = "run.contended";
    public const string NotWaiting = "run.node_not_waiting";
    public const string NotRetryable = "run.not_retryable";
    public const string Finished = "run.finished";
    public const string Timeout = "node.timeout";
    public const string ExecutorCrashed = "node.executor_crashed";
    public const string ChildFailed = "subworkflow.failed";
    public const string ResolutionInvalid = "run.resolution_invalid";
}
