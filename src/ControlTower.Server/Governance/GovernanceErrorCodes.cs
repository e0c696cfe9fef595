namespace ControlTower.Server.Governance;

/// <summary>Stable error codes of approvals, gates and governed actions.</summary>
internal static class GovernanceErrorCodes
{
    public const string ApprovalNotFound = "approval.not_found";
    public const string ApprovalClosed = "approval.closed";
    public const string SelfApproval = "approval.self_approval";
    public const string NotADecider = "approval.not_a_decider";
    public const string AlreadyDecided = "approval.already_decided";
    public const string DecisionInvalid = "approval.decision_invalid";
    public const string QueryInvalid = "approval.query_invalid";
    public const string CommentInvalid = "approval.comment_invalid";

    /// <summary>The run kept changing while an approval was being opened for it (the executor is retried).</summary>
    public const string RunBusy = "approval.run_busy";

    public const string GateInvalid = "governance.gate_invalid";
    public const string ReasonRequired = "governance.reason_required";
    public const string KillSwitch = "governance.kill_switch";
    public const string ExecutionNotFound = "governance.execution_not_found";
    public const string NotReversible = "governance.not_reversible";
    public const string AlreadyRolledBack = "governance.already_rolled_back";
    public const string RollbackWindowClosed = "governance.rollback_window_closed";
    public const string RollbackFailed = "governance.rollback_failed";

    /// <summary>Another rollback attempt holds the execution (409); after its lease it may be taken over.</summary>
    public const string RollbackInProgress = "governance.rollback_in_progress";

    /// <summary>A rollback attempt stopped with its outcome unknown: the caller went away mid-call, or its process died (found by its lease).</summary>
    public const string RollbackInterrupted = "governance.rollback_interrupted";
    public const string DryRunInvalid = "governance.dry_run_invalid";
}
