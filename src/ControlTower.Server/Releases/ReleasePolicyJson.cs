using System.Text.Json;
using ControlTower.Core.Releases;

namespace ControlTower.Server.Releases;

/// <summary>Stored form of a release: the row to Core's <see cref="ReleaseState"/> and the canary policy to and from JSON.</summary>
internal static class ReleasePolicyJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record StoredPolicy(int[] Steps, double StepPauseSeconds, int MinRunsPerStep, double MaxErrorRateIncrease, double MaxLatencyRatio);

    public static string Serialize(CanaryPolicy policy) => JsonSerializer.Serialize(
        new StoredPolicy([.. policy.Steps], policy.StepPause.TotalSeconds, policy.MinRunsPerStep, policy.MaxErrorRateIncrease, policy.MaxLatencyRatio), Json);

    public static CanaryPolicy? Deserialize(string? json) => json is null || JsonSerializer.Deserialize<StoredPolicy>(json, Json) is not { } stored
        ? null
        : new CanaryPolicy(stored.Steps, TimeSpan.FromSeconds(stored.StepPauseSeconds), stored.MinRunsPerStep, stored.MaxErrorRateIncrease, stored.MaxLatencyRatio);

    public static ReleaseState ToState(WorkflowReleaseEntity row) => new(
        ParseMode(row.Mode), row.StableVersion, row.CandidateVersion, Deserialize(row.CanaryPolicy), row.StepIndex, new DateTimeOffset(row.PhaseStartedAt, TimeSpan.Zero));

    public static string ModeName(ReleaseMode mode) => mode.ToString().ToLowerInvariant();

    public static ReleaseMode ParseMode(string mode) => mode switch
    {
        "direct" => ReleaseMode.Direct,
        "canary" => ReleaseMode.Canary,
        "shadow" => ReleaseMode.Shadow,
        _ => throw new InvalidOperationException($"Unknown release mode '{mode}' in the database."),
    };
}
