using System.Text.Json.Nodes;

namespace ControlTower.Core.Rules;

/// <summary>How the matches of a rule set combine (DMN's hit policies).</summary>
public enum HitPolicy
{
    /// <summary>The first match in priority order (highest first, then declaration order) decides alone.</summary>
    First,

    /// <summary>Every match applies, in priority order (highest first, then rule id): independent of declaration order.</summary>
    Collect,

    /// <summary>At most one rule may match; two matches are the error <c>rules.unique_violation</c>.</summary>
    Unique,
}

/// <summary>What a matching rule does.</summary>
public enum RuleActionType
{
    /// <summary>Adds <see cref="RuleAction.Outputs"/> to the evaluation's outputs (a higher-priority rule's keys win).</summary>
    SetOutputs,

    /// <summary>Adds <see cref="RuleAction.Tag"/> to the evaluation's tags.</summary>
    AddTag,

    /// <summary>The governed action needs a person's approval, whatever its gate says.</summary>
    RequireApproval,

    /// <summary>The governed action must not run; wins over every other action.</summary>
    Deny,

    /// <summary>The <c>rules</c> node leaves through <see cref="RuleAction.Outcome"/> instead of <c>matched</c>.</summary>
    Route,
}

public sealed record RuleAction(RuleActionType Type, JsonObject? Outputs = null, string? Tag = null, string? Outcome = null, string? Reason = null);

/// <summary>One rule: when the CEL <paramref name="Condition"/> holds over the input, <paramref name="Action"/> applies.</summary>
public sealed record Rule(string Id, string Condition, RuleAction Action, int Priority = 0, bool Enabled = true, string? Description = null);

/// <summary>
/// A rule set definition (one immutable version). <see cref="InputSchema"/>, when it declares
/// <c>properties</c>, names the variables conditions may use: the input object's top-level keys.
/// </summary>
public sealed record RuleSet(HitPolicy HitPolicy, IReadOnlyList<Rule> Rules, JsonObject? InputSchema = null);
