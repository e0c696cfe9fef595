using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Planning;

/// <summary>
/// Turns parsed steps into graph nodes and edges. A "frontier" of (node, outcome) ports is what the next step connects
/// from: a sequence moves it forward, a condition forks it into its true and false ports, and what follows a branch
/// joins every port still open (the engine's dead-path elimination makes such joins safe without a merge node).
/// Approvals continue on <c>approved</c>; "if they reject…" and "if it fails…" branch off the gate's
/// <c>rejected</c> or <c>error</c> handle instead of adding a condition node.
/// </summary>
internal sealed partial class PlanGraphBuilder(PlanRequest request, PromptValues values, ToolRanker ranker)
{
    private const string DefaultModel = "gpt-4o-mini";

    private readonly List<JsonObject> _nodes = [];
    private readonly List<JsonObject> _edges = [];
    private readonly List<PlanExplanation> _explanations = [];
    private readonly List<string> _assumptions = [];
    private readonly List<PlanProblem> _problems = [];
    private readonly List<Built> _built = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly JsonObject _inputProperties = [];
    private readonly List<Port> _ended = [];
    private readonly List<Built> _gates = [];
    private Built? _lastGate;

    internal readonly record struct Port(string Id, string Handle);

    /// <summary>A node the planner made, kept to resolve later references ("the stock", "the result").</summary>
    internal sealed record Built(string Id, string Type, PlannerTool? Tool, string Text, JsonObject Config, IReadOnlySet<string> Terms);

    public IReadOnlyList<PlanProblem> Problems => _problems;

    public IReadOnlyList<string> Assumptions => _assumptions;

    public IReadOnlyList<PlanExplanation> Explanations => _explanations;

    /// <summary>Builds the graph document (positions not yet laid out).</summary>
    public JsonObject Build(ParsedRequest parsed)
    {
        _assumptions.AddRange(parsed.Trigger.Assumptions);
        var triggerId = AddNode("trigger", parsed.Trigger.Type, TriggerName(parsed.Trigger.Type), parsed.Trigger.Config,
            parsed.Trigger.Text is { } t ? $"Starts the run {TriggerPhrase(parsed.Trigger.Type)} (\"{ClauseParser.Restore(t, values)}\")." : $"Starts the run {TriggerPhrase(parsed.Trigger.Type)}.");
        Steps(parsed.Steps, [new Port(triggerId, "success")], inBranch: false);
        FinishTrigger(parsed.Trigger.Type);
        return new JsonObject
        {
            ["version"] = "1.0",
            ["nodes"] = new JsonArray([.. _nodes]),
            ["edges"] = new JsonArray([.. _edges]),
            ["config"] = new JsonObject(),
        };
    }

    /// <summary>Takes in the nodes of an existing graph, so that new nodes get fresh ids and can refer to the old ones.</summary>
    internal void Adopt(JsonObject graph)
    {
        foreach (var node in (graph["nodes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var id = (string?)node["id"] ?? "";
            var type = (string?)node["type"] ?? "";
            _ids.Add(id);
            var config = node["config"] as JsonObject ?? [];
            if (type.StartsWith("trigger.", StringComparison.Ordinal) || type is "respond" or "condition" or "delay" or "fail" or "merge")
            {
                continue;
            }

            var tool = type is "mcp.tool" or "governed.action"
                ? request.Catalog.FirstOrDefault(t => t.Server == (string?)config["server"] && t.Tool == (string?)config["tool"])
                : null;
            var terms = new HashSet<string>(PlanText.Terms(id), StringComparer.Ordinal);
            terms.UnionWith(PlanText.Terms((string?)node["name"] ?? ""));
            terms.ExceptWith(GenericTerms);
            var built = new Built(id, type, tool, (string?)node["name"] ?? id, config, terms);
            if (type != "approval")
            {
                _built.Add(built);
            }

            if (type is "approval" or "governed.action")
            {
                _gates.Add(built);
            }

            _lastGate = built;
        }
    }

    /// <summary>Makes the node(s) of one step without connecting them; returns the ports the step continues from.</summary>
    internal List<Port> Detached(PlanStep step) => Steps([step], [], inBranch: false);

    /// <summary>The nodes and edges made so far (for a refinement: the new ones).</summary>
    internal (IReadOnlyList<JsonObject> Nodes, IReadOnlyList<JsonObject> Edges) Made => (_nodes, _edges);

    private List<Port> Steps(IReadOnlyList<PlanStep> steps, List<Port> frontier, bool inBranch)
    {
        foreach (var step in steps)
        {
            frontier = step switch
            {
                ActionStep action => Action(action, frontier),
                ApprovalStep approval => Approval(approval, frontier),
                WaitStep wait => Sequence(frontier, "delay", "wait", $"Wait {Duration(wait.Seconds)}", new JsonObject { ["seconds"] = wait.Seconds },
                    $"Waits {Duration(wait.Seconds)} (\"{Words(wait.Text)}\")."),
                ReplyStep reply => Reply(reply, frontier, inBranch),
                FailStep fail => Fail(fail, frontier),
                BranchStep branch => Branch(branch, frontier),
                LoopStep loop => Loop(loop, frontier),
                _ => frontier,
            };
        }

        return frontier;
    }

    private List<Port> Sequence(List<Port> frontier, string type, string idHint, string name, JsonObject config, string explanation, string handle = "success")
    {
        var id = AddNode(idHint, type, name, config, explanation);
        Connect(frontier, id);
        return [new Port(id, handle)];
    }

    private List<Port> Action(ActionStep step, List<Port> frontier)
    {
        if (Producer(step) is { } producer)
        {
            frontier = Action(producer, frontier);
        }

        if (Resolve(step) is not { } node)
        {
            return frontier;
        }

        var id = AddNode(node.IdHint, node.Type, node.Name, node.Config, node.Explanation);
        Connect(frontier, id);
        var built = new Built(id, node.Type, node.Tool, step.Text, node.Config, ReferenceTerms(node));
        _built.Add(built);
        _lastGate = built;
        if (node.Type == "governed.action")
        {
            _gates.Add(built);
        }

        return [new Port(id, "success")];
    }

    private List<Port> Approval(ApprovalStep step, List<Port> frontier)
    {
        var role = step.Role ?? "approver";
        var systemRole = role is "admin" or "administrator" ? "admin" : role is "operator" ? "operator" : "approver";
        if (step.Role is not null && systemRole == "approver" && role != "approver")
        {
            _assumptions.Add($"The {role} decides as a user with the role 'approver'.");
        }

        var config = new JsonObject
        {
            ["title"] = step.Role is null ? "Approval" : $"{Capitalize(step.Role)} approval",
            ["instructions"] = Capitalize(Words(step.Text)),
            ["approvers"] = new JsonObject { ["roles"] = new JsonArray(systemRole) },
        };
        if (step.RequiredApprovals > 1)
        {
            config["requiredApprovals"] = step.RequiredApprovals;
        }

        if (step.ExpiresAfterSeconds is { } expires)
        {
            config["expiresAfterSeconds"] = expires;
        }

        if (_built.LastOrDefault() is { } previous)
        {
            config["evidence"] = Reference(previous, null);
        }

        var approvals = step.RequiredApprovals > 1 ? $"{step.RequiredApprovals} approvals" : "an approval";
        var id = AddNode("approval", "approval", (string)config["title"]!, config,
            $"Waits for {approvals} from {(step.Role is null ? "an approver" : "a " + step.Role)} (\"{Words(step.Text)}\"); the run goes on when approved.");
        Connect(frontier, id);
        _lastGate = new Built(id, "approval", null, step.Text, config, new HashSet<string>(StringComparer.Ordinal) { "approval" });
        _gates.Add(_lastGate);
        return [new Port(id, "approved")];
    }

    private List<Port> Reply(ReplyStep step, List<Port> frontier, bool inBranch)
    {
        var (body, what) = ReplyBody(step.What);
        var config = new JsonObject { ["body"] = body };
        if (step.Status is { } status)
        {
            config["status"] = status;
        }

        var id = AddNode("reply", "respond", "Reply", config, $"Answers with {what} (\"{Words(step.Text)}\").");
        Connect(frontier, id);
        if (inBranch)
        {
            _ended.Add(new Port(id, "success"));
            return [];
        }

        return [new Port(id, "success")];
    }

    private List<Port> Fail(FailStep step, List<Port> frontier)
    {
        var message = QuoteIn(step.Message) ?? (Words(step.Message) is { Length: > 0 } w ? w : "The workflow failed.");
        var code = PlanText.Slug(message, 40);
        code = Rx.IsMatch(code, "^[a-z][a-z0-9_]*$") ? "workflow." + code : "workflow.failed";
        var id = AddNode("fail", "fail", "Fail", new JsonObject { ["code"] = code, ["message"] = message }, $"Ends the run as failed with '{code}' (\"{Words(step.Text)}\").");
        Connect(frontier, id);
        return [];
    }

    private List<Port> Branch(BranchStep step, List<Port> frontier)
    {
        var gate = step.Condition.Outcome is "approved" or "rejected" or "expired" ? _gates.LastOrDefault(g => Handles(g.Type).Contains(step.Condition.Outcome)) : _lastGate;
        if (step.Condition.Outcome is { } outcome && gate is not null && Handles(gate.Type).Contains(outcome))
        {
            var handle = step.Condition.Negated ? Complement(gate.Type, outcome) : outcome;
            var rest = frontier.Where(p => !(p.Id == gate.Id && p.Handle == handle)).ToList();
            var thenEnd = Steps(step.Then, [new Port(gate.Id, handle)], inBranch: true);
            var elseEnd = new List<Port>();
            if (step.Else.Count > 0)
            {
                var other = Complement(gate.Type, handle);
                rest = [.. rest.Where(p => !(p.Id == gate.Id && p.Handle == other))];
                elseEnd = Steps(step.Else, [new Port(gate.Id, other)], inBranch: true);
            }

            return [.. rest, .. thenEnd, .. elseEnd];
        }

        var (expression, explained) = ConditionExpression(step.Condition);
        if (step.Condition.Negated)
        {
            expression = $"!({expression})";
        }

        var id = AddNode("condition", "condition", Capitalize(Words(step.Condition.Text)), new JsonObject { ["expression"] = expression },
            $"Checks whether {Words(step.Condition.Text)}{(step.Condition.Negated ? " (negated: \"unless\")" : "")}: {explained}.");
        Connect(frontier, id);
        var then = Steps(step.Then, [new Port(id, "true")], inBranch: true);
        var otherwise = step.Else.Count > 0 ? Steps(step.Else, [new Port(id, "false")], inBranch: true) : [new Port(id, "false")];
        return [.. then, .. otherwise];
    }

    private List<Port> Loop(LoopStep step, List<Port> frontier)
    {
        var start = _nodes.Count;
        var body = Action(step.Body, frontier);
        if (_nodes.Count == start)
        {
            return frontier;
        }

        var bodyId = body[0].Id;
        var (expression, explained) = ConditionExpression(step.Until);
        var conditionId = AddNode("until", "condition", "Until " + Words(step.Until.Text), new JsonObject { ["expression"] = expression },
            $"Stops repeating '{bodyId}' once {Words(step.Until.Text)} ({explained}); at most {step.MaxIterations} rounds.");
        Connect(body, conditionId);
        var back = new Port(conditionId, "false");
        if (step.WaitSeconds is { } seconds)
        {
            var waitId = AddNode("retry_wait", "delay", $"Wait {Duration(seconds)}", new JsonObject { ["seconds"] = seconds }, $"Waits {Duration(seconds)} between rounds.");
            Connect([back], waitId);
            back = new Port(waitId, "success");
        }

        _edges.Add(new JsonObject
        {
            ["source"] = back.Id,
            ["target"] = bodyId,
            ["sourceHandle"] = back.Handle,
            ["targetHandle"] = "in",
            ["loop"] = new JsonObject { ["maxIterations"] = step.MaxIterations }
        });
        return [new Port(conditionId, "true")];
    }

    private void Connect(List<Port> frontier, string target)
    {
        var from = frontier.Count > 0 ? frontier : [.. _ended];
        _ended.Clear();
        foreach (var port in from.Distinct())
        {
            _edges.Add(new JsonObject { ["source"] = port.Id, ["target"] = target, ["sourceHandle"] = port.Handle, ["targetHandle"] = "in" });
        }
    }

    private string AddNode(string idHint, string type, string name, JsonObject config, string explanation)
    {
        var id = UniqueId(idHint);
        _nodes.Add(new JsonObject { ["id"] = id, ["type"] = type, ["name"] = Truncate(name, 80), ["config"] = config, ["position"] = new JsonObject { ["x"] = 0, ["y"] = 0 } });
        _explanations.Add(new PlanExplanation(id, explanation));
        return id;
    }

    private string UniqueId(string hint)
    {
        var baseId = Rx.Replace(hint.ToLowerInvariant(), "[^a-z0-9_]", "_").Trim('_');
        if (baseId.Length == 0 || !char.IsLetter(baseId[0]))
        {
            baseId = "n_" + baseId;
        }

        baseId = baseId.Length > 56 ? baseId[..56] : baseId;
        var id = baseId;
        for (var n = 2; !_ids.Add(id); n++)
        {
            id = $"{baseId}_{n}";
        }

        return id;
    }

    private void FinishTrigger(string type)
    {
        var trigger = _nodes[0]["config"]!.AsObject();
        if (type == "trigger.webhook" && _nodes.Any(n => (string?)n["type"] == "respond"))
        {
            trigger["respondMode"] = "respond_node";
        }

        if (type is "trigger.manual" or "trigger.mcp" && _inputProperties.Count > 0)
        {
            trigger["inputSchema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = _inputProperties.DeepClone(),
                ["required"] = new JsonArray([.. _inputProperties.Select(p => (JsonNode?)p.Key)]),
            };
        }
    }

    private static IReadOnlyList<string> Handles(string type) => type switch
    {
        "approval" => ["approved", "rejected", "expired", "error"],
        "governed.action" => ["success", "rejected", "error"],
        _ => ["success", "error"],
    };

    private static string Complement(string type, string handle) => (type, handle) switch
    {
        ("approval", "approved") => "rejected",
        ("approval", _) => "approved",
        ("governed.action", "success") => "rejected",
        (_, "success") => "error",
        _ => "success",
    };

    private static string TriggerName(string type) => type switch
    {
        "trigger.webhook" => "Webhook",
        "trigger.schedule" => "Schedule",
        "trigger.mcp" => "Called as a tool",
        _ => "Manual start",
    };

    private static string TriggerPhrase(string type) => type switch
    {
        "trigger.webhook" => "when its webhook URL receives a request",
        "trigger.schedule" => "on a schedule",
        "trigger.mcp" => "when an MCP client calls it as a tool",
        _ => "by hand or through the API",
    };

    internal static string Duration(int seconds) => seconds switch
    {
        _ when seconds % 604800 == 0 && seconds > 0 => Plural(seconds / 604800, "week"),
        _ when seconds % 86400 == 0 && seconds > 0 => Plural(seconds / 86400, "day"),
        _ when seconds % 3600 == 0 && seconds > 0 => Plural(seconds / 3600, "hour"),
        _ when seconds % 60 == 0 && seconds > 0 => Plural(seconds / 60, "minute"),
        _ => Plural(seconds, "second"),
    };

    private static string Plural(int n, string unit) => n.ToString(CultureInfo.InvariantCulture) + " " + unit + (n == 1 ? "" : "s");

    private string Words(string text) => ClauseParser.Restore(text, values).Trim();

    private string? QuoteIn(string text) => Rx.Match(text, "«q(\\d+)»") is { Success: true } m ? values.Quotes[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] : null;

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
