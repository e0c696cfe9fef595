using System.Text.Json.Nodes;

namespace ControlTower.Core.Graphs;

/// <summary>One difference between two versions of a graph.</summary>
/// <param name="Kind"><c>node_added</c>, <c>node_removed</c>, <c>node_changed</c>, <c>edge_added</c>, <c>edge_removed</c>, <c>config_changed</c>.</param>
/// <param name="Subject">The node id, or the edge as <c>source:handle->target:handle</c>, or <c>config</c>.</param>
/// <param name="Pointer">Within the node (or graph config): where it changed, as a JSON pointer; empty for whole items.</param>
public sealed record GraphChange(string Kind, string Subject, string Pointer, JsonNode? Before, JsonNode? After);

/// <summary>
/// What changed between two graphs, for version history. Nodes are matched by id and compared
/// field by field (type, name, position, retry, timeout and every config value by JSON pointer);
/// edges are matched by their endpoints and handles. Pure and ordered: the same two graphs give
/// the same list.
/// </summary>
public static class GraphDiff
{
    public static IReadOnlyList<GraphChange> Compute(WorkflowGraph before, WorkflowGraph after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<GraphChange>();
        var beforeJson = before.ToJson();
        var afterJson = after.ToJson();
        DiffNodes(NodesById(beforeJson), NodesById(afterJson), changes);
        DiffEdges(EdgeKeys(beforeJson), EdgeKeys(afterJson), changes);
        CompareValues("config", "config_changed", "", beforeJson["config"], afterJson["config"], changes);
        return changes;
    }

    private static void DiffNodes(Dictionary<string, JsonObject> before, Dictionary<string, JsonObject> after, List<GraphChange> changes)
    {
        foreach (var (id, node) in before.Where(n => !after.ContainsKey(n.Key)))
        {
            changes.Add(new GraphChange("node_removed", id, "", node.DeepClone(), null));
        }

        foreach (var (id, node) in after)
        {
            if (!before.TryGetValue(id, out var old))
            {
                changes.Add(new GraphChange("node_added", id, "", null, node.DeepClone()));
                continue;
            }

            CompareValues(id, "node_changed", "", old, node, changes);
        }
    }

    private static void DiffEdges(Dictionary<string, JsonObject> before, Dictionary<string, JsonObject> after, List<GraphChange> changes)
    {
        foreach (var (key, edge) in before.Where(e => !after.ContainsKey(e.Key)))
        {
            changes.Add(new GraphChange("edge_removed", key, "", edge.DeepClone(), null));
        }

        foreach (var (key, edge) in after.Where(e => !before.ContainsKey(e.Key)))
        {
            changes.Add(new GraphChange("edge_added", key, "", null, edge.DeepClone()));
        }
    }

    /// <summary>Walks two JSON values together and records each leaf (or type change) that differs.</summary>
    private static void CompareValues(string subject, string kind, string pointer, JsonNode? before, JsonNode? after, List<GraphChange> changes)
    {
        if (before is JsonObject oldObject && after is JsonObject newObject)
        {
            var keys = oldObject.Select(p => p.Key).Union(newObject.Select(p => p.Key)).Order(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                CompareValues(subject, kind, $"{pointer}/{Escape(key)}", oldObject[key], newObject[key], changes);
            }

            return;
        }

        if (!JsonNode.DeepEquals(before, after))
        {
            changes.Add(new GraphChange(kind, subject, pointer, before?.DeepClone(), after?.DeepClone()));
        }
    }

    private static Dictionary<string, JsonObject> NodesById(JsonObject graph) =>
        (graph["nodes"] as JsonArray ?? []).OfType<JsonObject>()
            .ToDictionary(n => n["id"]!.GetValue<string>(), n => n, StringComparer.Ordinal);

    private static Dictionary<string, JsonObject> EdgeKeys(JsonObject graph)
    {
        var edges = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var edge in (graph["edges"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = $"{edge["source"]}:{edge["sourceHandle"] ?? GraphEdge.DefaultSourceHandle}->{edge["target"]}:{edge["targetHandle"] ?? GraphEdge.DefaultTargetHandle}";
            edges.TryAdd(key, edge);
        }

        return edges;
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
