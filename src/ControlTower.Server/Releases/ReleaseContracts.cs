using System.Text.Json.Serialization;
using ControlTower.Core.Releases;

namespace ControlTower.Server.Releases;

/// <summary>
/// <c>PUT /api/workflows/{id}/release</c>: <c>direct</c> makes <see cref="Version"/> take every new run; <c>canary</c>
/// and <c>shadow</c> try <see cref="Version"/> as the candidate beside the current stable version. Canary settings
/// left out take <see cref="CanaryPolicy.Default"/>'s.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record PutReleaseRequest(
    string Mode,
    int Version,
    IReadOnlyList<int>? Steps = null,
    double? StepPauseSeconds = null,
    int? MinRunsPerStep = null,
    double? MaxErrorRateIncrease = null,
    double? MaxLatencyRatio = null,
    string? Reason = null);

/// <summary><c>POST /api/workflows/{id}/release/rollback</c>: back to <see cref="Version"/>, else to the previous stable version.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record RollbackReleaseRequest(int? Version = null, string? Reason = null);

internal sealed record CanaryPolicyView(IReadOnlyList<int> Steps, double StepPauseSeconds, int MinRunsPerStep, double MaxErrorRateIncrease, double MaxLatencyRatio)
{
    public static CanaryPolicyView From(CanaryPolicy policy) =>
        new(policy.Steps, policy.StepPause.TotalSeconds, policy.MinRunsPerStep, policy.MaxErrorRateIncrease, policy.MaxLatencyRatio);
}

internal sealed record VersionSampleView(int Version, int Finished, int Failed, double ErrorRate, double? P95Ms)
{
    public static VersionSampleView From(int version, VersionSample sample) => new(version, sample.Finished, sample.Failed, sample.ErrorRate, sample.P95Ms);
}

/// <summary>The canary's current step and both versions' numbers over it.</summary>
internal sealed record CanaryView(int Step, int Percent, DateTimeOffset StepStartedAt, DateTimeOffset PromotionCheckAt, VersionSampleView Stable, VersionSampleView Candidate, CanaryPolicyView Policy);

/// <summary>
/// A workflow's release. <see cref="Mode"/> is <c>latest</c> when none was ever set (the latest version takes new runs).
/// </summary>
internal sealed record ReleaseView(
    Guid WorkflowId,
    string Mode,
    int StableVersion,
    int? CandidateVersion,
    int? PreviousStableVersion,
    int LatestVersion,
    DateTimeOffset? PhaseStartedAt,
    string? LastDecision,
    DateTimeOffset? UpdatedAt,
    string? UpdatedBy,
    CanaryView? Canary);

internal sealed record ShadowNodeView(string NodeId, string? NodeType, int Compared, int Differing);

/// <summary>One live run's shadow; <see cref="RefusedCode"/> says why none could start (then <see cref="ShadowRunId"/> is null).</summary>
internal sealed record ShadowRunView(Guid LiveRunId, Guid? ShadowRunId, int LiveVersion, DateTimeOffset CreatedAt, bool Compared, int? Differences, string? RefusedCode);

/// <summary>The shadow's accumulated comparison: per node, how many shadow runs were compared and how many differed.</summary>
internal sealed record ShadowReport(
    Guid WorkflowId,
    int? CandidateVersion,
    int ShadowRuns,
    int Compared,
    int WithDifferences,
    int Refused,
    IReadOnlyList<ShadowNodeView> Nodes,
    IReadOnlyList<ShadowRunView> Recent);
