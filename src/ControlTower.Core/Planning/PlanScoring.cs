using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Planning;

/// <summary>
/// A hand-written expected plan. <see cref="Nodes"/> name node kinds: a built-in type (<c>condition</c>,
/// <c>trigger.webhook</c>), <c>server/tool</c> for an <c>mcp.tool</c>, <c>gov:server/tool</c> for a
/// <c>governed.action</c>. Edges are (source index, outcome handle, target index). <see cref="Arguments"/> holds, per
/// node index, config values the request states outright (<c>arguments.drug</c>, <c>seconds</c>, <c>cron</c>).
/// <see cref="Problems"/> non-empty means the planner must refuse with those codes.
/// </summary>
public sealed record PlanExpectation(
    IReadOnlyList<string> Nodes,
    IReadOnlyList<PlanEdge> Edges,
    IReadOnlyDictionary<int, IReadOnlyDictionary<string, JsonNode?>> Arguments,
    IReadOnlyList<string> Problems)
{
    /// <summary>
    /// Reads the corpus form: <c>{"nodes": [...], "edges": ["0&gt;1", "2:true&gt;3"], "args": {"1": {"arguments.drug": "X"}},
    /// "problems": [...]}</c>; an edge <c>"4&gt;1@3"</c> is a loop back edge (bound 3).
    /// </summary>
    public static PlanExpectation FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var nodes = (json["nodes"] as JsonArray ?? []).Select(n => (string)n!).ToList();
        var edges = (json["edges"] as JsonArray ?? []).Select(e => PlanEdge.Parse((string)e!)).ToList();
        var args = new Dictionary<int, IReadOnlyDictionary<string, JsonNode?>>();
        if (json["args"] is JsonObject a)
        {
            foreach (var (index, values) in a)
            {
                args[int.Parse(index, CultureInfo.InvariantCulture)] = ((JsonObject)values!).ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
            }
        }

        var problems = (json["problems"] as JsonArray ?? []).Select(p => (string)p!).ToList();
        return new PlanExpectation(nodes, edges, args, problems);
    }
}

/// <summary>An expected edge between node indexes, leaving by <see cref="Handle"/>.</summary>
public sealed partial record PlanEdge(int Source, string Handle, int Target, bool IsLoop)
{
    [GeneratedRegex(@"^(?<s>\d+)(?::(?<h>[A-Za-z_][\w-]*))?>(?<t>\d+)(?<loop>@\d+)?$")]
    private static partial Regex Pattern();

    public static PlanEdge Parse(string text)
    {
        var m = Pattern().Match(text.Replace(" ", "", StringComparison.Ordinal));
        if (!m.Success)
        {
            throw new FormatException($"'{text}' is not an edge (\"0>1\", \"2:true>3\", \"4>1@3\").");
        }

        return new PlanEdge(int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture), m.Groups["h"].Success ? m.Groups["h"].Value : "success",
            int.Parse(m.Groups["t"].Value, CultureInfo.InvariantCulture), m.Groups["loop"].Success);
    }
}

/// <summary>How one draft compares with its expectation.</summary>
public sealed record PlanCaseScore(
    bool Refusal,
    bool Valid,
    int NodesMatched,
    int NodesExpected,
    int NodesDrafted,
    int EdgesMatched,
    int EdgesExpected,
    int EdgesDrafted,
    bool Exact,
    int ArgumentsCorrect,
    int ArgumentsExpected,
    bool RefusedCorrectly);

/// <summary>
/// Totals over a corpus. Valid-graph rate, node and edge F1 (micro-averaged), exact plan and argument accuracy are over
/// the cases that expect a graph; <see cref="RefusalAccuracy"/> over those that expect a refusal.
/// </summary>
public sealed record PlanScoreboard(int Cases, int GraphCases, int RefusalCases, double ValidRate, double NodeF1, double EdgeF1, double ExactRate, double ArgumentAccuracy, double RefusalAccuracy)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"cases {Cases} (graphs {GraphCases}, refusals {RefusalCases}): valid {ValidRate:P1}, node F1 {NodeF1:0.000}, edge F1 {EdgeF1:0.000}, " +
            $"exact {ExactRate:P1}, arguments {ArgumentAccuracy:P1}, refusals {RefusalAccuracy:P1}");
}

/// <summary>
/// Scores drafts against expectations. Nodes match by kind (type, and <c>server/tool</c> for tools), pairing the
/// expected and drafted nodes of one kind in document order; edges match between matched nodes with the same handle.
/// </summary>
public static class PlanScoring
{
    public static PlanCaseScore Score(PlanExpectation expected, PlanDraft draft)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(draft);
        if (expected.Problems.Count > 0)
        {
            var codes = draft.Problems.Select(p => p.Code).ToHashSet(StringComparer.Ordinal);
            return new PlanCaseScore(true, false, 0, 0, 0, 0, 0, 0, false, 0, 0, draft.Graph is null && expected.Problems.All(codes.Contains));
        }

        var argumentsExpected = expected.Arguments.Values.Sum(a => a.Count);
        if (draft.Graph is not { } graph)
        {
            return new PlanCaseScore(false, false, 0, expected.Nodes.Count, 0, 0, expected.Edges.Count, 0, false, 0, argumentsExpected, false);
        }

        var nodes = (graph["nodes"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var kinds = nodes.Select(Kind).ToList();
        var toExpected = Match(expected.Nodes, kinds);
        var nodesMatched = toExpected.Count(m => m >= 0);

        var ids = nodes.Select((n, i) => ((string?)n["id"] ?? "", i)).GroupBy(p => p.Item1, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var drafted = (graph["edges"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(e => (Source: ids.GetValueOrDefault((string?)e["source"] ?? "", -1),
                Handle: (string?)e["sourceHandle"] ?? "success",
                Target: ids.GetValueOrDefault((string?)e["target"] ?? "", -1)))
            .ToList();
        var wanted = expected.Edges.Select(e => (e.Source, e.Handle, e.Target)).ToList();
        var edgesMatched = 0;
        foreach (var (source, handle, target) in drafted)
        {
            if (source < 0 || target < 0 || toExpected[source] < 0 || toExpected[target] < 0)
            {
                continue;
            }

            var key = (toExpected[source], handle, toExpected[target]);
            if (wanted.Remove(key))
            {
                edgesMatched++;
            }
        }

        var fromExpected = new int[expected.Nodes.Count];
        Array.Fill(fromExpected, -1);
        for (var i = 0; i < toExpected.Length; i++)
        {
            if (toExpected[i] >= 0)
            {
                fromExpected[toExpected[i]] = i;
            }
        }

        var argumentsCorrect = 0;
        foreach (var (index, values) in expected.Arguments)
        {
            if (index >= fromExpected.Length || fromExpected[index] < 0)
            {
                continue;
            }

            var config = nodes[fromExpected[index]]["config"];
            argumentsCorrect += values.Count(v => JsonNode.DeepEquals(Normalize(At(config, v.Key)), Normalize(v.Value)));
        }

        var exact = nodesMatched == expected.Nodes.Count && nodesMatched == nodes.Count && edgesMatched == expected.Edges.Count && edgesMatched == drafted.Count;
        return new PlanCaseScore(false, true, nodesMatched, expected.Nodes.Count, nodes.Count, edgesMatched, expected.Edges.Count, drafted.Count, exact, argumentsCorrect, argumentsExpected, false);
    }

    public static PlanScoreboard Total(IReadOnlyList<PlanCaseScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var graphs = scores.Where(s => !s.Refusal).ToList();
        var refusals = scores.Where(s => s.Refusal).ToList();
        static double F1(int matched, int expected, int drafted) =>
            expected + drafted == 0 ? 1 : 2.0 * matched / (expected + drafted);
        static double Rate(int part, int whole) => whole == 0 ? 1 : (double)part / whole;
        return new PlanScoreboard(
            scores.Count,
            graphs.Count,
            refusals.Count,
            Rate(graphs.Count(s => s.Valid), graphs.Count),
            F1(graphs.Sum(s => s.NodesMatched), graphs.Sum(s => s.NodesExpected), graphs.Sum(s => s.NodesDrafted)),
            F1(graphs.Sum(s => s.EdgesMatched), graphs.Sum(s => s.EdgesExpected), graphs.Sum(s => s.EdgesDrafted)),
            Rate(graphs.Count(s => s.Exact), graphs.Count),
            Rate(graphs.Sum(s => s.ArgumentsCorrect), graphs.Sum(s => s.ArgumentsExpected)),
            Rate(refusals.Count(s => s.RefusedCorrectly), refusals.Count));
    }

    /// <summary>The kind a drafted node is matched by.</summary>
    public static string Kind(JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var type = (string?)node["type"] ?? "";
        var config = node["config"];
        return type switch
        {
            "mcp.tool" => $"{(string?)config?["server"]}/{(string?)config?["tool"]}",
            "governed.action" => $"gov:{(string?)config?["server"]}/{(string?)config?["tool"]}",
            _ => type,
        };
    }

    /// <summary>For each drafted node, the index of the expected node it matches, or -1.</summary>
    private static int[] Match(IReadOnlyList<string> expected, IReadOnlyList<string> drafted)
    {
        var result = new int[drafted.Count];
        Array.Fill(result, -1);
        var taken = new bool[expected.Count];
        for (var i = 0; i < drafted.Count; i++)
        {
            for (var j = 0; j < expected.Count; j++)
            {
                if (!taken[j] && string.Equals(expected[j], drafted[i], StringComparison.Ordinal))
                {
                    taken[j] = true;
                    result[i] = j;
                    break;
                }
            }
        }

        return result;
    }

    private static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        return node;
    }

    // 30 and 30.0 are the same argument.
    private static JsonNode? Normalize(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? JsonValue.Create(double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture))
            : value;
}
