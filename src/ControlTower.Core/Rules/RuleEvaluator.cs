using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;

namespace ControlTower.Core.Rules;

/// <summary>
/// Why a condition (or part of it) came out as it did: the expression, its value (or the CEL error),
/// and for <c>&amp;&amp;</c>, <c>||</c> and <c>!</c> the same for each operand.
/// </summary>
public sealed record ConditionTrace(string Expression, JsonNode? Value, string? Error, IReadOnlyList<ConditionTrace> Parts)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["expression"] = Expression, ["value"] = Value?.DeepClone() };
        if (Error is not null)
        {
            json["error"] = Error;
        }

        if (Parts.Count > 0)
        {
            json["parts"] = new JsonArray([.. Parts.Select(p => (JsonNode)p.ToJson())]);
        }

        return json;
    }
}

/// <summary>One enabled rule that was evaluated: whether it matched, and why.</summary>
public sealed record RuleTrace(Rule Rule, bool Matched, ConditionTrace Why);

/// <summary>
/// The result of a rule set over one input: every evaluated rule with its reasons, the matches in the
/// order they apply, and what they add up to. <see cref="Denied"/> and <see cref="RequiresApproval"/>
/// are what governed actions consult before their gate.
/// </summary>
public sealed record RuleEvaluation(
    HitPolicy HitPolicy,
    IReadOnlyList<RuleTrace> Evaluated,
    IReadOnlyList<Rule> Matched,
    JsonObject Outputs,
    IReadOnlyList<string> Tags,
    bool Denied,
    bool RequiresApproval,
    string? Route)
{
    public JsonObject ToJson() => new()
    {
        ["hitPolicy"] = RuleSetJson.PolicyName(HitPolicy),
        ["matched"] = new JsonArray([.. Matched.Select(r => (JsonNode)MatchJson(r))]),
        ["outputs"] = Outputs.DeepClone(),
        ["tags"] = new JsonArray([.. Tags.Select(t => (JsonNode)JsonValue.Create(t))]),
        ["denied"] = Denied,
        ["requiresApproval"] = RequiresApproval,
        ["route"] = Route,
        ["evaluated"] = new JsonArray([.. Evaluated.Select(t => (JsonNode)new JsonObject
        {
            ["ruleId"] = t.Rule.Id,
            ["matched"] = t.Matched,
            ["why"] = t.Why.ToJson(),
        })]),
    };

    private static JsonObject MatchJson(Rule rule) => new()
    {
        ["ruleId"] = rule.Id,
        ["priority"] = rule.Priority,
        ["action"] = RuleSetJson.ActionName(rule.Action.Type),
        ["reason"] = rule.Action.Reason,
    };
}

/// <summary>
/// Evaluates a rule set over an input object whose top-level keys are the CEL variables. Pure and
/// deterministic. A condition that fails to evaluate (e.g. a missing key) does not match; its error is
/// in its trace. Order: priority descending, then declaration order (<c>first</c>) or rule id
/// (<c>collect</c>, <c>unique</c>: their result does not depend on how the rules are listed).
/// </summary>
public static class RuleEvaluator
{
    /// <exception cref="RuleException"><c>rules.unique_violation</c> when a <c>unique</c> set has two matches.</exception>
    public static RuleEvaluation Evaluate(RuleSet ruleSet, JsonObject input, CelCompileCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        ArgumentNullException.ThrowIfNull(input);
        var ordered = Order(ruleSet);
        var traces = new List<RuleTrace>();
        var matched = new List<Rule>();
        foreach (var rule in ordered)
        {
            var trace = Explain(rule, input, cache);
            traces.Add(trace);
            if (!trace.Matched)
            {
                continue;
            }

            matched.Add(rule);
            if (ruleSet.HitPolicy == HitPolicy.First)
            {
                break;
            }
        }

        if (ruleSet.HitPolicy == HitPolicy.Unique && matched.Count > 1)
        {
            throw new RuleException(RuleErrorCodes.UniqueViolation,
                $"Hit policy unique allows one match, but {matched.Count} rules matched: {string.Join(", ", matched.Select(r => r.Id))}.");
        }

        return Combine(ruleSet.HitPolicy, traces, matched);
    }

    private static List<Rule> Order(RuleSet ruleSet)
    {
        var enabled = ruleSet.Rules.Select((rule, index) => (rule, index)).Where(x => x.rule.Enabled);
        return ruleSet.HitPolicy == HitPolicy.First
            ? [.. enabled.OrderByDescending(x => x.rule.Priority).ThenBy(x => x.index).Select(x => x.rule)]
            : [.. enabled.OrderByDescending(x => x.rule.Priority).ThenBy(x => x.rule.Id, StringComparer.Ordinal).Select(x => x.rule)];
    }

    private static RuleEvaluation Combine(HitPolicy policy, List<RuleTrace> traces, List<Rule> matched)
    {
        var outputs = new JsonObject();
        var tags = new List<string>();
        string? route = null;
        foreach (var action in matched.Select(r => r.Action))
        {
            switch (action.Type)
            {
                case RuleActionType.SetOutputs:
                    foreach (var (key, value) in action.Outputs!)
                    {
                        // Earlier (higher-priority) rules win a key.
                        if (!outputs.ContainsKey(key))
                        {
                            outputs[key] = value?.DeepClone();
                        }
                    }

                    break;
                case RuleActionType.AddTag when !tags.Contains(action.Tag!):
                    tags.Add(action.Tag!);
                    break;
                case RuleActionType.Route:
                    route ??= action.Outcome;
                    break;
            }
        }

        return new RuleEvaluation(
            policy,
            traces,
            matched,
            outputs,
            tags,
            matched.Any(r => r.Action.Type == RuleActionType.Deny),
            matched.Any(r => r.Action.Type == RuleActionType.RequireApproval),
            route);
    }

    private static RuleTrace Explain(Rule rule, JsonObject input, CelCompileCache? cache)
    {
        CelProgram program;
        try
        {
            program = cache?.GetOrCompile(rule.Condition) ?? Cel.Compile(rule.Condition);
        }
        catch (CelException ex)
        {
            return new RuleTrace(rule, false, new ConditionTrace(rule.Condition, null, $"{ex.Code}: {ex.Message}", []));
        }

        var why = Trace(program.Ast, program.Source, program.Options, input);
        return new RuleTrace(rule, why.Error is null && why.Value is JsonValue v && v.TryGetValue<bool>(out var b) && b, why);
    }

    /// <summary>Drops the printer's parentheses around a whole operand: <c>(a == 1)</c> reads as <c>a == 1</c>.</summary>
    private static string Unwrap(string text)
    {
        if (text.Length < 2 || text[0] != '(' || text[^1] != ')')
        {
            return text;
        }

        var depth = 0;
        for (var i = 0; i < text.Length - 1; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth == 0)
            {
                return text; // The first parenthesis closes before the end: "(a) || (b)".
            }
        }

        return text[1..^1];
    }

    private static ConditionTrace Trace(CelExpr expr, string? source, CelOptions options, JsonObject input)
    {
        var text = source ?? Unwrap(CelPrinter.Print(expr));
        var parts = expr is CallExpr { Target: null, Function: "_&&_" or "_||_" or "!_" } call
            ? call.Args.Select(arg => Trace(arg, null, options, input)).ToList()
            : [];
        try
        {
            var value = new CelProgram(text, expr, options).Evaluate(input);
            return new ConditionTrace(text, value, null, parts);
        }
        catch (CelException ex)
        {
            return new ConditionTrace(text, null, $"{ex.Code}: {ex.Message}", parts);
        }
    }
}
