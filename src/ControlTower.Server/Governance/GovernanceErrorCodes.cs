using ControlTower.Core.Errors;

namespace ControlTower.Server.Governance;

/// <summary>Stable error codes of approvals, gates and governed actions.</summary>
internal static class GovernanceErrorCodes
{
    /// <summary>No approval with this id.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string ApprovalNotFound = "approval.not_found";

    /// <summary>The approval is closed (resolved, expired or cancelled); it takes no more decisions.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string ApprovalClosed = "approval.closed";

    /// <summary>The person who started the run may not decide its approval unless the approval allows it.</summary>
    [ErrorCode(ErrorKind.Forbidden)]
    public const string SelfApproval = "approval.self_approval";

    /// <summary>The caller is not among the approval's deciding roles or users.</summary>
    [ErrorCode(ErrorKind.Forbidden)]
    public const string NotADecider = "approval.not_a_decider";

    /// <summary>The caller has decided this approval already.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string AlreadyDecided = "approval.already_decided";

    /// <summary>The approval asks for a comment on this decision (<c>commentRequired</c>: always, or on reject) and none was given.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string CommentRequired = "approval.comment_required";

    /// <summary>The decision is not <c>approve</c> or <c>reject</c>.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string DecisionInvalid = "approval.decision_invalid";

    /// <summary>An approval list query parameter is out of range or malformed.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string QueryInvalid = "approval.query_invalid";

    /// <summary>The comment text is missing or longer than 4000 characters.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string CommentInvalid = "approval.comment_invalid";

    /// <summary>The run kept changing while an approval was being opened for it (the executor is retried).</summary>
    [ErrorCode(ErrorKind.Unavailable)]
    public const string RunBusy = "approval.run_busy";

    /// <summary>A gate's node type or action type is too long (at most 100 and 200 characters).</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string GateInvalid = "governance.gate_invalid";

    /// <summary>The change needs a reason: it goes into the audit log.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string ReasonRequired = "governance.reason_required";

    /// <summary>No governed action execution with this id.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string ExecutionNotFound = "governance.execution_not_found";

    /// <summary>The executed action declared no compensation; it cannot be rolled back.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string NotReversible = "governance.not_reversible";

    /// <summary>The execution has been rolled back already.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string AlreadyRolledBack = "governance.already_rolled_back";

    /// <summary>The execution's rollback window has passed.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string RollbackWindowClosed = "governance.rollback_window_closed";

    /// <summary>The compensation call failed; the execution keeps its last failed attempt. Retryable.</summary>
    [ErrorCode(ErrorKind.Unavailable)]
    public const string RollbackFailed = "governance.rollback_failed";

    /// <summary>Another rollback attempt holds the execution (409); after its lease it may be taken over.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string RollbackInProgress = "governance.rollback_in_progress";

    /// <summary>A rollback attempt stopped with its outcome unknown: the caller went away mid-call, or its process died (found by its lease).</summary>
    [ErrorCode(ErrorSurface.Report)]
    public const string RollbackInterrupted = "governance.rollback_interrupted";

    /// <summary>A dry run needs actionType, server and tool.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string DryRunInvalid = "governance.dry_run_invalid";

    /// <summary>A governed action's read-state tool call failed, so no before-state could be recorded.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string ReadStateFailed = "governance.read_state_failed";
}
