using ControlTower.Core.Errors;

namespace ControlTower.Core.Scheduling;

/// <summary>
/// Stable codes of the scheduler: <see cref="SchedulerException"/> codes (a caller bug, 409) and the codes
/// it fails a node or run with. The reasons it ignores an event (<see cref="SchedulerResult.Ignored"/>) are not errors.
/// </summary>
public static class SchedulerErrorCodes
{
    /// <summary>An event or command names a node the run's plan does not have.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string NodeUnknown = "run.node_unknown";

    /// <summary>A start names no trigger, or a node that is not a trigger of this workflow.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string TriggerUnknown = "run.trigger_unknown";

    /// <summary>The scheduler was given an event type it does not know.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string EventUnknown = "run.event_unknown";

    /// <summary>A run state was applied to the plan of another workflow version.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string StatePlanMismatch = "run.state_plan_mismatch";

    /// <summary>A stored run state is not a valid run state document.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string StateInvalid = "run.state_invalid";

    /// <summary>A node finished with an outcome it does not declare. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string OutcomeUndeclared = "node.outcome_undeclared";

    /// <summary>A loop edge was taken more times than its <c>maxIterations</c>; the run fails.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string LoopBoundExceeded = "run.loop_bound_exceeded";

    /// <summary>The run executed more node steps than its step budget allows; the run fails.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string StepBudgetExceeded = "run.step_budget_exceeded";
}
