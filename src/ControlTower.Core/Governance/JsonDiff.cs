using System.Text.Json.Nodes;

namespace ControlTower.Core.Governance;

/// <summary>One difference between two JSON documents, at a JSON pointer.</summary>
public sealed record JsonChange(string Path, string Op, JsonNode? Before, JsonNode? After)
{
    public JsonObject ToJson() => new() { ["path"] = Path, ["op"] = Op, ["before"] = Before?.DeepClone(), ["after"] = After?.DeepClone() };
}

/// <summary>
/// The structural difference between a before- and after-state: objects compared key by key, arrays
/// index by index, anything else by value. Ops are <c>added</c>, <c>removed</c> and <c>changed</c>; paths
/// are JSON pointers. Deterministic: keys are visited in ordinal order.
/// </summary>
public static class JsonDiff
{
    public static IReadOnlyList<JsonChange> Compare(JsonNode? before, JsonNode? after)
    {
        var changes = new List<JsonChange>();
        Walk("", before, after, changes);
        return changes;
    }

    private static void Walk(string path, JsonNode? before, JsonNode? after, List<JsonChange> changes)
    {
        switch (before, after)
        {
            case (JsonObject a, JsonObject b):
                foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
                {
                    var child = $"{path}/{Escape(key)}";
                    var inA = a.TryGetPropertyValue(key, out var va);
                    var inB = b.TryGetPropertyValue(key, out var vb);
                    if (inA && inB)
                    {
                        Walk(child, va, vb, changes);
                    }
                    else
                    {
                        changes.Add(new JsonChange(child, inA ? "removed" : "added", inA ? va?.DeepClone() : null, inB ? vb?.DeepClone() : null));
                    }
                }

                break;
            case (JsonArray a, JsonArray b):
                for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
                {
                    var child = $"{path}/{i}";
                    if (i < a.Count && i < b.Count)
                    {
                        Walk(child, a[i], b[i], changes);
                    }
                    else
                    {
                        changes.Add(new JsonChange(child, i < a.Count ? "removed" : "added", i < a.Count ? a[i]?.DeepClone() : null, i < b.Count ? b[i]?.DeepClone() : null));
                    }
                }

                break;
            default:
                if (!JsonNode.DeepEquals(before, after))
                {
                    changes.Add(new JsonChange(path, "changed", before?.DeepClone(), after?.DeepClone()));
                }

                break;
        }
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
