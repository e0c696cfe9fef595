namespace ControlTower.Core.Trust;

/// <summary>The kinds of trust events and the results each may carry.</summary>
public static class TrustEventKinds
{
    /// <summary>An action was proposed (with its feature snapshot and predictions).</summary>
    public const string Proposal = "proposal";

    /// <summary>A person decided: <see cref="Approved"/>, <see cref="Rejected"/>, <see cref="Edited"/> or <see cref="Expired"/>.</summary>
    public const string Decision = "decision";

    /// <summary>The action ran: <see cref="Succeeded"/> or <see cref="Failed"/>, with its duration and the mode it ran in.</summary>
    public const string Execution = "execution";

    /// <summary>What happened later (reported by a person or another system): <see cref="Succeeded"/> or <see cref="Failed"/>.</summary>
    public const string Outcome = "outcome";

    /// <summary>An executed action was undone.</summary>
    public const string Rollback = "rollback";

    /// <summary>A person reversed or changed an automatic action.</summary>
    public const string Override = "override";

    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Edited = "edited";
    public const string Expired = "expired";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Proposal, Decision, Execution, Outcome, Rollback, Override];

    /// <summary>The results a kind accepts (empty: none).</summary>
    public static IReadOnlyList<string> Results(string kind) => kind switch
    {
        Decision => [Approved, Rejected, Edited, Expired],
        Execution or Outcome => [Succeeded, Failed],
        _ => [],
    };
}

/// <summary>
/// What the metrics need of one trust event. <see cref="ProposalId"/> ties the events of one proposal together;
/// the predictions are those recorded with the proposal; <see cref="Mode"/> is the stage an execution ran in
/// (<c>person</c> when a person approved it).
/// </summary>
public sealed record TrustEventRecord(
    string Kind,
    string ProposalId,
    DateTimeOffset At,
    string? Result = null,
    double? LatencySeconds = null,
    string? Mode = null,
    double? PredictedApproval = null,
    double? PredictedSuccess = null,
    bool? Anomalous = null);
