using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ControlTower.Core.Expressions;
using ControlTower.Core.Json;

namespace ControlTower.Core.Rules;

/// <summary>
/// Reads a rule set from its JSON form and reports every problem at once (each with a code and a JSON pointer):
/// <code>
/// { "hitPolicy": "first|collect|unique",
///   "inputSchema": { "type": "object", "properties": { "amount": { "type": "number" } } },
///   "rules": [ { "id": "big", "condition": "amount > 100", "priority": 10, "enabled": true, "description": "...",
///                "action": { "type": "set_outputs|add_tag|require_approval|deny|route",
///                            "outputs": {}, "tag": "t", "outcome": "o", "reason": "why" } } ] }
/// </code>
/// Conditions must compile, and when the input schema declares properties they may only use those names.
/// </summary>
public static partial class RuleSetJson
{
    public const int MaxRules = 500;

    private static readonly HashSet<string> BuiltInNames = new(StringComparer.Ordinal)
    {
        "int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "dyn",
        "math", "strings", "optional", "google",
    };

    /// <exception cref="RuleException"><c>rules.definition_invalid</c> with every problem in the message.</exception>
    public static RuleSet Parse(JsonNode? json)
    {
        var (ruleSet, problems) = Read(json);
        return problems.Count == 0 && ruleSet is not null
            ? ruleSet
            : throw new RuleException(RuleErrorCodes.DefinitionInvalid, string.Join("; ", problems.Select(p => $"{p.Pointer}: {p.Message}")));
    }

    /// <summary>The rule set, or null, and every problem found (empty when valid).</summary>
    public static (RuleSet? RuleSet, IReadOnlyList<RuleProblem> Problems) Read(JsonNode? json)
    {
        var problems = new List<RuleProblem>();
        if (json is not JsonObject root)
        {
            problems.Add(new RuleProblem(RuleProblemCodes.NotAnObject, "", "A rule set is a JSON object."));
            return (null, problems);
        }

        var policy = ReadPolicy(root["hitPolicy"], problems);
        var schema = root["inputSchema"] as JsonObject;
        if (root["inputSchema"] is { } s && s is not JsonObject)
        {
            problems.Add(new RuleProblem(RuleProblemCodes.InputSchemaInvalid, "/inputSchema", "inputSchema must be a JSON Schema object."));
        }

        var declared = (schema?["properties"] as JsonObject)?.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var rules = new List<Rule>();
        if (root["rules"] is not JsonArray items)
        {
            problems.Add(new RuleProblem(RuleProblemCodes.RulesMissing, "/rules", "rules must be an array."));
            return (null, problems);
        }

        if (items.Count > MaxRules)
        {
            problems.Add(new RuleProblem(RuleProblemCodes.TooMany, "/rules", $"A rule set holds at most {MaxRules} rules."));
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (ReadRule(items[i], $"/rules/{i}", declared, problems) is { } rule)
            {
                if (!ids.Add(rule.Id))
                {
                    problems.Add(new RuleProblem(RuleProblemCodes.RuleIdDuplicate, $"/rules/{i}/id", $"Rule id '{rule.Id}' is used twice."));
                }

                rules.Add(rule);
            }
        }

        return (problems.Count == 0 ? new RuleSet(policy, rules, schema) : null, problems);
    }

    public static JsonObject ToJson(RuleSet ruleSet)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        var rules = new JsonArray();
        foreach (var rule in ruleSet.Rules)
        {
            var action = new JsonObject { ["type"] = ActionName(rule.Action.Type) };
            Put(action, "outputs", rule.Action.Outputs?.DeepClone());
            Put(action, "tag", rule.Action.Tag);
            Put(action, "outcome", rule.Action.Outcome);
            Put(action, "reason", rule.Action.Reason);
            var item = new JsonObject { ["id"] = rule.Id, ["condition"] = rule.Condition, ["priority"] = rule.Priority, ["enabled"] = rule.Enabled, ["action"] = action };
            Put(item, "description", rule.Description);
            rules.Add(item);
        }

        var json = new JsonObject { ["hitPolicy"] = PolicyName(ruleSet.HitPolicy), ["rules"] = rules };
        Put(json, "inputSchema", ruleSet.InputSchema?.DeepClone());
        return json;
    }

    public static string PolicyName(HitPolicy policy) => policy.ToString().ToLowerInvariant();

    public static string ActionName(RuleActionType type) => type switch
    {
        RuleActionType.SetOutputs => "set_outputs",
        RuleActionType.AddTag => "add_tag",
        RuleActionType.RequireApproval => "require_approval",
        RuleActionType.Deny => "deny",
        RuleActionType.Route => "route",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static void Put(JsonObject target, string name, JsonNode? value)
    {
        if (value is not null)
        {
            target[name] = value;
        }
    }

    private static HitPolicy ReadPolicy(JsonNode? node, List<RuleProblem> problems)
    {
        switch (Text(node))
        {
            case null or "first":
                return HitPolicy.First;
            case "collect":
                return HitPolicy.Collect;
            case "unique":
                return HitPolicy.Unique;
            default:
                problems.Add(new RuleProblem(RuleProblemCodes.HitPolicyInvalid, "/hitPolicy", "hitPolicy must be first, collect or unique."));
                return HitPolicy.First;
        }
    }

    private static Rule? ReadRule(JsonNode? node, string at, HashSet<string>? declared, List<RuleProblem> problems)
    {
        if (node is not JsonObject item)
        {
            problems.Add(new RuleProblem(RuleProblemCodes.RuleInvalid, at, "A rule is an object."));
            return null;
        }

        var before = problems.Count;
        var id = Text(item["id"]);
        if (id is null || !IdPattern().IsMatch(id))
        {
            problems.Add(new RuleProblem(RuleProblemCodes.RuleIdInvalid, at + "/id", "id must match ^[A-Za-z0-9_.-]{1,100}$."));
        }

        var condition = Text(item["condition"]);
        if (string.IsNullOrWhiteSpace(condition))
        {
            problems.Add(new RuleProblem(RuleProblemCodes.ConditionMissing, at + "/condition", "condition (CEL) is required."));
        }
        else
        {
            CheckCondition(condition, at + "/condition", declared, problems);
        }

        var priority = 0;
        if (item["priority"] is { } p && !(p is JsonValue pv && pv.GetValueKind() == JsonValueKind.Number && pv.TryGetValue(out priority)))
        {
            problems.Add(new RuleProblem(RuleProblemCodes.PriorityInvalid, at + "/priority", "priority must be an integer."));
        }

        var enabled = true;
        if (item["enabled"] is { } e && !(e is JsonValue ev && ev.TryGetValue(out enabled)))
        {
            problems.Add(new RuleProblem(RuleProblemCodes.EnabledInvalid, at + "/enabled", "enabled must be a boolean."));
        }

        var action = ReadAction(item["action"], at + "/action", problems);
        return problems.Count == before && id is not null && condition is not null && action is not null
            ? new Rule(id, condition, action, priority, enabled, Text(item["description"]))
            : null;
    }

    private static RuleAction? ReadAction(JsonNode? node, string at, List<RuleProblem> problems)
    {
        if (node is not JsonObject action)
        {
            problems.Add(new RuleProblem(RuleProblemCodes.ActionInvalid, at, "action must be an object with a type."));
            return null;
        }

        var reason = Text(action["reason"]);
        switch (Text(action["type"]))
        {
            case "set_outputs" when action["outputs"] is JsonObject outputs:
                return new RuleAction(RuleActionType.SetOutputs, Outputs: (JsonObject)outputs.DeepClone(), Reason: reason);
            case "add_tag" when Text(action["tag"]) is { Length: > 0 } tag:
                return new RuleAction(RuleActionType.AddTag, Tag: tag, Reason: reason);
            case "require_approval":
                return new RuleAction(RuleActionType.RequireApproval, Reason: reason);
            case "deny":
                return new RuleAction(RuleActionType.Deny, Reason: reason);
            case "route" when Text(action["outcome"]) is { } outcome && OutcomePattern().IsMatch(outcome):
                return new RuleAction(RuleActionType.Route, Outcome: outcome, Reason: reason);
            default:
                problems.Add(new RuleProblem(RuleProblemCodes.ActionInvalid, at,
                    "action.type must be set_outputs (with an outputs object), add_tag (with tag), require_approval, deny or route (with an outcome name)."));
                return null;
        }
    }

    private static void CheckCondition(string condition, string at, HashSet<string>? declared, List<RuleProblem> problems)
    {
        CelProgram program;
        try
        {
            program = Cel.Compile(condition);
        }
        catch (CelException ex)
        {
            problems.Add(new RuleProblem(RuleProblemCodes.ConditionInvalid, at, ex.Message));
            return;
        }

        if (declared is null)
        {
            return;
        }

        foreach (var name in FreeNames(program.Ast).Where(n => !declared.Contains(n) && !BuiltInNames.Contains(n)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            problems.Add(new RuleProblem(RuleProblemCodes.ConditionUndeclared, at,
                string.Create(CultureInfo.InvariantCulture, $"'{name}' is not a property of the declared inputSchema.")));
        }
    }

    /// <summary>The top-level variable names an expression reads (comprehension variables excluded).</summary>
    internal static IEnumerable<string> FreeNames(CelExpr expr)
    {
        var names = new List<string>();
        Collect(expr, new HashSet<string>(StringComparer.Ordinal), names);
        return names;
    }

    private static void Collect(CelExpr? expr, IReadOnlySet<string> bound, List<string> names)
    {
        switch (expr)
        {
            case IdentExpr id when !bound.Contains(id.Name):
                names.Add(id.Name.TrimStart('.'));
                break;
            case SelectExpr select:
                Collect(select.Operand, bound, names);
                break;
            case CallExpr call:
                if (call.Target is not null && call.QualifiedFunction is null)
                {
                    Collect(call.Target, bound, names);
                }

                foreach (var arg in call.Args)
                {
                    Collect(arg, bound, names);
                }

                break;
            case ListExpr list:
                list.Elements.ToList().ForEach(e => Collect(e, bound, names));
                break;
            case MapExpr map:
                foreach (var entry in map.Entries)
                {
                    Collect(entry.Key, bound, names);
                    Collect(entry.Value, bound, names);
                }

                break;
            case StructExpr structure:
                structure.Fields.ToList().ForEach(f => Collect(f.Value, bound, names));
                break;
            case ComprehensionExpr loop:
                Collect(loop.Range, bound, names);
                var inner = new HashSet<string>(bound, StringComparer.Ordinal) { loop.Var1 };
                if (loop.Var2 is not null)
                {
                    inner.Add(loop.Var2);
                }

                Collect(loop.Filter, inner, names);
                Collect(loop.Body, inner, names);
                break;
        }
    }

    private static string? Text(JsonNode? node) => JsonValues.Text(node);

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex OutcomePattern();
}
