using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ControlTower.Core.Rules;

namespace ControlTower.Server.Rules;

/// <summary>
/// The answer of <c>POST /api/rule-sets/{id}/test</c>: property for property the JSON of <see cref="RuleRun.ToJson"/> (the
/// evaluation's audit evidence, built in Core): the matches in the order they apply, what they add up to, and every
/// evaluated rule with its reasons. A test holds the two shapes equal.
/// </summary>
internal sealed record RuleSetTestResponse(
    string HitPolicy,
    IReadOnlyList<RuleMatchView> Matched,
    JsonObject Outputs,
    IReadOnlyList<string> Tags,
    bool Denied,
    bool RequiresApproval,
    string? Route,
    IReadOnlyList<RuleTraceView> Evaluated,
    string RuleSetId,
    int Version)
{
    public static RuleSetTestResponse From(RuleRun run)
    {
        var e = run.Evaluation;
        return new(RuleSetJson.PolicyName(e.HitPolicy),
            [.. e.Matched.Select(r => new RuleMatchView(r.Id, r.Priority, RuleSetJson.ActionName(r.Action.Type), r.Action.Reason))],
            (JsonObject)e.Outputs.DeepClone(), e.Tags, e.Denied, e.RequiresApproval, e.Route,
            [.. e.Evaluated.Select(t => new RuleTraceView(t.Rule.Id, t.Matched, ConditionTraceView.From(t.Why)))],
            run.RuleSetId, run.Version);
    }
}

internal sealed record RuleMatchView(string RuleId, int Priority, string Action, string? Reason);

internal sealed record RuleTraceView(string RuleId, bool Matched, ConditionTraceView Why);

/// <summary>A condition's value (or its CEL error) and, for <c>&amp;&amp;</c>, <c>||</c> and <c>!</c>, its operands' (absent when none).</summary>
internal sealed record ConditionTraceView(
    string Expression,
    JsonNode? Value,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ConditionTraceView>? Parts)
{
    public static ConditionTraceView From(ConditionTrace trace) =>
        new(trace.Expression, trace.Value?.DeepClone(), trace.Error, trace.Parts.Count == 0 ? null : [.. trace.Parts.Select(From)]);
}
