using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Planning;

/// <summary>
/// Applies refinements in words to an existing graph: "add a 2-hour wait before dispensing" (insert before or after a
/// node), "remove the approval" (drop a node and join its inputs to what followed it), "send the result to the memory
/// server too" (a new branch off the last action), "change the wait to 3 hours", "require two approvals", and anything
/// else as new steps appended before the final reply. Nodes are found by their id, name, type and tool; a phrase that
/// finds none is a problem.
/// </summary>
internal sealed partial class GraphRefiner(PlanRequest request, ToolRanker ranker)
{
    private readonly List<PlanProblem> _problems = [];
    private readonly List<PlanExplanation> _explanations = [];
    private readonly List<string> _assumptions = [];

    public IReadOnlyList<PlanProblem> Problems => _problems;

    public IReadOnlyList<PlanExplanation> Explanations => _explanations;

    public IReadOnlyList<string> Assumptions => _assumptions;

    [GeneratedRegex(@"^(?:add|insert|put|place)\s+(?<what>.+?)\s+(?<where>before|after|ahead\s+of|following)\s+(?<anchor>.+)$|" +
        @"^(?<what>(?:wait|pause|sleep|delay|ask|have|get|require|needs?|check|call|send|write|save|reply|log)\b.*?)\s+(?<where>before|after)\s+(?<anchor>.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex InsertPattern();

    [GeneratedRegex(@"^(?:remove|delete|drop|skip|take\s+out|get\s+rid\s+of|no\s+longer\s+(?:need|use)|do\s+not\s+(?:need|use))\s+(?<anchor>.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex RemovePattern();

    [GeneratedRegex(@"^(?:change|make|set|extend|shorten)\s+(?:the\s+)?(?:wait|delay|pause)\s+(?:to\s+|be\s+)?" +
        @"(?<n>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|ten|twelve|twenty|thirty)\s*-?\s*(?<unit>second|minute|hour|day|week)s?\b", RegexOptions.IgnoreCase)]
    private static partial Regex RetimePattern();

    [GeneratedRegex(@"^(?:require|make\s+it\s+(?:need|require)|needs?|ask\s+for)\s+(?<n>\d+|two|three|four|five)\s+approvals?\b", RegexOptions.IgnoreCase)]
    private static partial Regex ApprovalCountPattern();

    [GeneratedRegex(@"\s*,?\s*\b(?:too|as\s+well|in\s+addition|in\s+parallel)\b\s*|^(?:also)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex AlsoPattern();

    [GeneratedRegex(@"^(?:an?\s+|one\s+)?(?<n>\d+(?:\.\d+)?|one|two|three|four|five|six|ten|twelve|fifteen|twenty|thirty|half\s+an?)?\s*-?\s*" +
        @"(?<unit>second|minute|hour|day|week)s?\s*-?\s*(?:long\s+)?(?:wait|delay|pause)\b|" +
        @"^(?:an?\s+)?(?:wait|delay|pause)\s+of\s+(?<n>\d+|an?|one|two|three|four|five|ten|thirty)\s*(?<unit>second|minute|hour|day|week)s?", RegexOptions.IgnoreCase)]
    private static partial Regex WaitNounPattern();

    public JsonObject? Apply(JsonObject graph)
    {
        var (text, values) = ClauseParser.SetAside(request.Prompt);
        foreach (var clause in ClauseParser.Clauses(text))
        {
            ApplyOne(graph, clause.Text, values);
        }

        return _problems.Count > 0 ? null : graph;
    }

    private void ApplyOne(JsonObject graph, string text, PromptValues values)
    {
        if (RetimePattern().Match(text) is { Success: true } retime)
        {
            var seconds = ClauseParser.Seconds(retime.Groups["n"].Value, retime.Groups["unit"].Value);
            foreach (var delay in NodeList(graph).Where(n => (string?)n["type"] == "delay"))
            {
                delay["config"] = new JsonObject { ["seconds"] = seconds };
                _explanations.Add(new PlanExplanation((string)delay["id"]!, $"Now waits {PlanGraphBuilder.Duration(seconds)}."));
            }

            return;
        }

        if (ApprovalCountPattern().Match(text) is { Success: true } count && NodeList(graph).LastOrDefault(n => (string?)n["type"] == "approval") is { } gate)
        {
            var n = PlanText.Count(count.Groups["n"].Value) ?? 2;
            gate["config"]!["requiredApprovals"] = n;
            _explanations.Add(new PlanExplanation((string)gate["id"]!, $"Now needs {n} approvals."));
            return;
        }

        if (RemovePattern().Match(text) is { Success: true } remove)
        {
            if (Find(graph, remove.Groups["anchor"].Value, values) is { } victim)
            {
                Remove(graph, victim);
            }

            return;
        }

        if (InsertPattern().Match(text) is { Success: true } insert)
        {
            if (Find(graph, insert.Groups["anchor"].Value, values) is not { } anchor)
            {
                return;
            }

            var step = StepOf(insert.Groups["what"].Value);
            if (Make(graph, step, values) is { } made)
            {
                var where = insert.Groups["where"].Value.ToLowerInvariant();
                if (where is "after" or "following")
                {
                    InsertAfter(graph, anchor, made.Id, made.Handle);
                }
                else
                {
                    InsertBefore(graph, anchor, made.Id, made.Handle);
                }
            }

            return;
        }

        if (AlsoPattern().IsMatch(text))
        {
            var what = AlsoPattern().Replace(text, " ").Trim();
            var anchor = LastAction(graph);
            if (anchor is not null && Make(graph, StepOf(what), values) is { } made)
            {
                Edges(graph).Add(Edge((string)anchor["id"]!, MainHandle(anchor), made.Id));
                _assumptions.Add($"'{ClauseParser.Restore(what, values)}' runs beside what follows '{anchor["id"]}', from its result.");
            }

            return;
        }

        Append(graph, text, values);
    }

    private static PlanStep StepOf(string what)
    {
        if (WaitNounPattern().Match(what) is { Success: true } wait)
        {
            var amount = wait.Groups["n"].Success ? wait.Groups["n"].Value : "1";
            return new WaitStep(what, ClauseParser.Seconds(amount, wait.Groups["unit"].Value));
        }

        var parsed = ClauseParser.Parse(Rx.Replace(what, @"^(?:an?\s+)(?=\w*\s*approv)", "", RegexOptions.IgnoreCase).Replace("«", "«", StringComparison.Ordinal));
        return parsed.Steps.Count > 0 ? parsed.Steps[0] : new ActionStep(what, false);
    }

    private (string Id, string Handle)? Make(JsonObject graph, PlanStep step, PromptValues values)
    {
        var builder = new PlanGraphBuilder(request, values, ranker);
        builder.Adopt(graph);
        var ports = builder.Detached(step);
        _problems.AddRange(builder.Problems);
        _assumptions.AddRange(builder.Assumptions);
        _explanations.AddRange(builder.Explanations);
        var (nodes, edges) = builder.Made;
        if (nodes.Count == 0 || builder.Problems.Count > 0)
        {
            if (builder.Problems.Count == 0)
            {
                _problems.Add(new PlanProblem(PlanProblemCodes.RefinementUnresolved, $"Could not tell what to add for \"{step.Text}\".", "/prompt"));
            }

            return null;
        }

        foreach (var node in nodes)
        {
            Nodes(graph).Add(node.DeepClone());
        }

        foreach (var edge in edges)
        {
            Edges(graph).Add(edge.DeepClone());
        }

        var first = (string)nodes[0]["id"]!;
        return ports.Count > 0 ? (first, ports[0].Handle) : (first, "success");
    }

    private void Append(JsonObject graph, string text, PromptValues values)
    {
        var step = StepOf(text);
        var nodes = NodeList(graph);
        var reply = step is ReplyStep ? null : nodes.LastOrDefault(n => (string?)n["type"] == "respond");
        if (Make(graph, step, values) is not { } made)
        {
            return;
        }

        if (reply is not null)
        {
            InsertBefore(graph, reply, made.Id, made.Handle);
            return;
        }

        var sinks = nodes.Where(n => (string?)n["id"] != made.Id && !Edges(graph).OfType<JsonObject>().Any(e => (string?)e["source"] == (string?)n["id"])).ToList();
        foreach (var sink in sinks.Where(s => (string?)s["type"] is not ("fail" or "respond")))
        {
            Edges(graph).Add(Edge((string)sink["id"]!, MainHandle(sink), made.Id));
        }
    }

    /// <summary>The node a phrase names: by type words (approval, wait, reply, condition) or by id, name and tool terms; latest wins ties.</summary>
    private JsonObject? Find(JsonObject graph, string phrase, PromptValues values)
    {
        var lower = phrase.ToLowerInvariant();
        var byType = lower switch
        {
            _ when Rx.IsMatch(lower, @"\b(?:approv\w*|sign[- ]?off|gate)\b") => "approval",
            _ when Rx.IsMatch(lower, @"\b(?:wait|delay|pause|timer)\b") => "delay",
            _ when Rx.IsMatch(lower, @"\b(?:reply|response|answer)\b") => "respond",
            _ when Rx.IsMatch(lower, @"\b(?:condition|check\s+on|if)\b") => "condition",
            _ => null,
        };
        var nodes = NodeList(graph);
        if (byType is not null && nodes.LastOrDefault(n => (string?)n["type"] == byType) is { } typed)
        {
            return typed;
        }

        var terms = PlanText.Terms(phrase).ToHashSet(StringComparer.Ordinal);
        JsonObject? best = null;
        var bestScore = 0;
        foreach (var node in nodes)
        {
            var nodeTerms = new HashSet<string>(PlanText.Terms((string?)node["id"] ?? ""), StringComparer.Ordinal);
            nodeTerms.UnionWith(PlanText.Terms((string?)node["name"] ?? ""));
            nodeTerms.UnionWith(PlanText.Terms((string?)node["config"]?["tool"] ?? ""));
            var score = terms.Count(nodeTerms.Contains);
            if (score >= bestScore && score > 0)
            {
                best = node;
                bestScore = score;
            }
        }

        if (best is null)
        {
            _problems.Add(new PlanProblem(PlanProblemCodes.RefinementUnresolved,
                $"No node of the workflow matches \"{ClauseParser.Restore(phrase, values)}\"; nodes: {string.Join(", ", nodes.Select(n => (string?)n["id"]))}.", "/prompt"));
        }

        return best;
    }

    private static void InsertBefore(JsonObject graph, JsonObject anchor, string id, string handle)
    {
        var anchorId = (string)anchor["id"]!;
        foreach (var edge in Edges(graph).OfType<JsonObject>().Where(e => (string?)e["target"] == anchorId && e["loop"] is null && (string?)e["source"] != id).ToList())
        {
            edge["target"] = id;
        }

        Dedupe(graph);
        Edges(graph).Add(Edge(id, handle, anchorId));
    }

    private static void InsertAfter(JsonObject graph, JsonObject anchor, string id, string handle)
    {
        var anchorId = (string)anchor["id"]!;
        var main = MainHandle(anchor);
        foreach (var edge in Edges(graph).OfType<JsonObject>().Where(e => (string?)e["source"] == anchorId && (string?)e["sourceHandle"] == main && e["loop"] is null).ToList())
        {
            edge["source"] = id;
            edge["sourceHandle"] = handle;
        }

        Edges(graph).Add(Edge(anchorId, main, id));
    }

    private void Remove(JsonObject graph, JsonObject victim)
    {
        var id = (string)victim["id"]!;
        if (((string?)victim["type"] ?? "").StartsWith("trigger.", StringComparison.Ordinal))
        {
            _problems.Add(new PlanProblem(PlanProblemCodes.RefinementUnresolved, $"'{id}' is the trigger; a workflow needs one.", "/prompt"));
            return;
        }

        var edges = Edges(graph);
        var incoming = edges.OfType<JsonObject>().Where(e => (string?)e["target"] == id && (string?)e["source"] != id).ToList();
        var main = MainHandle(victim);
        var outgoing = edges.OfType<JsonObject>().Where(e => (string?)e["source"] == id && (string?)e["sourceHandle"] == main && (string?)e["target"] != id).ToList();
        foreach (var edge in edges.OfType<JsonObject>().Where(e => (string?)e["source"] == id || (string?)e["target"] == id).ToList())
        {
            edges.Remove(edge);
        }

        foreach (var into in incoming)
        {
            foreach (var from in outgoing)
            {
                edges.Add(Edge((string)into["source"]!, (string)into["sourceHandle"]!, (string)from["target"]!));
            }
        }

        Nodes(graph).Remove(victim);
        Dedupe(graph);
        RemoveOrphans(graph);
        _explanations.Add(new PlanExplanation(id, $"Removed '{id}'; what led into it now leads to what followed it."));
    }

    /// <summary>Nodes only the removed node led to (its rejected branch, say) go too: nothing could reach them.</summary>
    private void RemoveOrphans(JsonObject graph)
    {
        while (true)
        {
            var edges = Edges(graph).OfType<JsonObject>().ToList();
            var orphan = Nodes(graph).OfType<JsonObject>().FirstOrDefault(n =>
                !((string?)n["type"] ?? "").StartsWith("trigger.", StringComparison.Ordinal) && !edges.Any(e => (string?)e["target"] == (string?)n["id"] && (string?)e["source"] != (string?)n["id"]));
            if (orphan is null)
            {
                return;
            }

            var id = (string)orphan["id"]!;
            foreach (var edge in edges.Where(e => (string?)e["source"] == id || (string?)e["target"] == id))
            {
                Edges(graph).Remove(edge);
            }

            Nodes(graph).Remove(orphan);
            _explanations.Add(new PlanExplanation(id, $"Removed '{id}': nothing leads to it any more."));
        }
    }

    private static void Dedupe(JsonObject graph)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var edge in Edges(graph).OfType<JsonObject>().ToList())
        {
            if (!seen.Add($"{edge["source"]}|{edge["sourceHandle"]}|{edge["target"]}|{edge["targetHandle"]}|{edge["loop"]?.ToJsonString()}"))
            {
                Edges(graph).Remove(edge);
            }
        }
    }

    private static JsonObject? LastAction(JsonObject graph) =>
        Nodes(graph).OfType<JsonObject>().LastOrDefault(n => (string?)n["type"] is "mcp.tool" or "governed.action" or "llm" or "http.request" or "transform")
        ?? Nodes(graph).OfType<JsonObject>().FirstOrDefault();

    private static string MainHandle(JsonObject node) => (string?)node["type"] switch
    {
        "approval" => "approved",
        "condition" => "true",
        "rules" => "matched",
        _ => "success",
    };

    private static JsonObject Edge(string source, string handle, string target) =>
        new() { ["source"] = source, ["target"] = target, ["sourceHandle"] = handle, ["targetHandle"] = "in" };

    private static List<JsonObject> NodeList(JsonObject graph) => [.. Nodes(graph).OfType<JsonObject>()];

    private static JsonArray Nodes(JsonObject graph) =>
        graph["nodes"] as JsonArray ?? throw new InvalidOperationException("The base graph has no nodes array; OfflinePlanner checks it before refining.");

    private static JsonArray Edges(JsonObject graph)
    {
        if (graph["edges"] is not JsonArray edges)
        {
            edges = [];
            graph["edges"] = edges;
        }

        return edges;
    }
}
