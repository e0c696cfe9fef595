namespace ControlTower.Core.Trust;

/// <summary>How much of a scope's work may run without a person, lowest first: the order is the ladder.</summary>
public enum TrustStage
{
    /// <summary>A person decides; predictions are recorded in shadow, not shown.</summary>
    Observe = 0,

    /// <summary>A person decides, shown the predictions and their explanation.</summary>
    Propose = 1,

    /// <summary>Reversible, non-anomalous actions run without waiting; a person may veto (roll back) inside the window.</summary>
    GuardedAuto = 2,

    /// <summary>Runs without waiting when predicted approval and success clear their thresholds and it is not anomalous.</summary>
    ConditionalAuto = 3,

    /// <summary>Runs unless anomalous.</summary>
    FullAuto = 4,
}

/// <summary>The wire names of <see cref="TrustStage"/> (<c>observe</c> … <c>full_auto</c>).</summary>
public static class TrustStages
{
    public static readonly IReadOnlyList<TrustStage> Ladder = [TrustStage.Observe, TrustStage.Propose, TrustStage.GuardedAuto, TrustStage.ConditionalAuto, TrustStage.FullAuto];

    public static string Name(this TrustStage stage) => stage switch
    {
        TrustStage.Observe => "observe",
        TrustStage.Propose => "propose",
        TrustStage.GuardedAuto => "guarded_auto",
        TrustStage.ConditionalAuto => "conditional_auto",
        TrustStage.FullAuto => "full_auto",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    public static bool TryParse(string? name, out TrustStage stage)
    {
        foreach (var candidate in Ladder)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.Ordinal))
            {
                stage = candidate;
                return true;
            }
        }

        stage = TrustStage.Observe;
        return false;
    }

    public static TrustStage Min(TrustStage a, TrustStage b) => a <= b ? a : b;

    public static TrustStage Down(this TrustStage stage) => stage == TrustStage.Observe ? stage : stage - 1;
}
