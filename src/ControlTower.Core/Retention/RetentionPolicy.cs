using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Retention;

/// <summary>
/// How long a workflow's finished runs are kept: at most <see cref="MaxAgeDays"/> days after they finished and at most the
/// <see cref="MaxRuns"/> newest; null means no limit of that kind. A workflow's graph may set its own in
/// <c>config.retention</c> (<c>{"maxAgeDays": 7, "maxRuns": 1000}</c>); a field it sets replaces the global one.
/// </summary>
public sealed record RetentionPolicy(int? MaxAgeDays, int? MaxRuns)
{
    public const string ConfigKey = "retention";

    public static readonly RetentionPolicy KeepEverything = new(null, null);

    /// <summary>The workflow's fields where it sets them, the global ones elsewhere.</summary>
    public RetentionPolicy Over(RetentionPolicy global) => new(MaxAgeDays ?? global.MaxAgeDays, MaxRuns ?? global.MaxRuns);

    public bool KeepsEverything => MaxAgeDays is null && MaxRuns is null;

    /// <summary>Runs that finished before this instant are past the age limit; null without one.</summary>
    public DateTimeOffset? AgeCutoff(DateTimeOffset now) => MaxAgeDays is { } days ? now - TimeSpan.FromDays(days) : null;

    /// <summary>
    /// The policy in a graph's <c>config.retention</c> (<see cref="KeepEverything"/> when absent: the global policy applies),
    /// or the problem with it: not an object, an unknown field, or a value that is not an integer of at least 1.
    /// </summary>
    public static (RetentionPolicy Policy, string? Problem) FromGraphConfig(JsonObject? config)
    {
        if (config?[ConfigKey] is not { } node)
        {
            return (KeepEverything, null);
        }

        if (node is not JsonObject retention)
        {
            return (KeepEverything, "'retention' must be an object: {\"maxAgeDays\": N, \"maxRuns\": N}.");
        }

        if (retention.Select(p => p.Key).FirstOrDefault(k => k is not ("maxAgeDays" or "maxRuns")) is { } unknown)
        {
            return (KeepEverything, $"'retention' has no field '{unknown}'; it takes maxAgeDays and maxRuns.");
        }

        var (age, ageProblem) = PositiveInt(retention, "maxAgeDays");
        var (runs, runsProblem) = PositiveInt(retention, "maxRuns");
        return (new RetentionPolicy(age, runs), ageProblem ?? runsProblem);
    }

    private static (int? Value, string? Problem) PositiveInt(JsonObject retention, string field) => retention[field] switch
    {
        null => (null, null),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) && n >= 1 => (n, null),
        _ => (null, $"'retention.{field}' must be an integer of at least 1."),
    };
}
