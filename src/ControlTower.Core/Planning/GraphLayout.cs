using System.Text.Json.Nodes;

namespace ControlTower.Core.Planning;

/// <summary>
/// A small layered left-to-right layout (Sugiyama-style): layers by longest path from the sources over the edges that
/// are not loop back edges, order within a layer by the barycentre of the neighbours in the previous layer (a few
/// sweeps down and up), then a grid of <see cref="ColumnWidth"/> × <see cref="RowHeight"/> centred on the widest layer.
/// Deterministic: ties keep document order. The editor's auto-arrange can call it on any graph document.
/// </summary>
public static class GraphLayout
{
    public const double ColumnWidth = 260;
    public const double RowHeight = 140;

    private const int Sweeps = 4;

    /// <summary>Sets <c>position</c> of every node of <paramref name="graph"/> (a v1 graph document) in place.</summary>
    public static void Arrange(JsonObject graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph["nodes"] is not JsonArray nodes || nodes.Count == 0)
        {
            return;
        }

        var ids = nodes.Select(n => (string?)n?["id"] ?? "").ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            index.TryAdd(ids[i], i);
        }

        var edges = (graph["edges"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(e => e["loop"] is null)
            .Select(e => (Source: index.GetValueOrDefault((string?)e["source"] ?? "", -1), Target: index.GetValueOrDefault((string?)e["target"] ?? "", -1)))
            .Where(e => e.Source >= 0 && e.Target >= 0 && e.Source != e.Target)
            .Distinct()
            .ToList();
        var layers = Layers(ids.Count, edges);
        var order = Order(layers, edges);
        var tallest = order.Max(l => l.Count);
        for (var l = 0; l < order.Count; l++)
        {
            var offset = (tallest - order[l].Count) * RowHeight / 2;
            for (var k = 0; k < order[l].Count; k++)
            {
                nodes[order[l][k]]!["position"] = new JsonObject { ["x"] = l * ColumnWidth, ["y"] = offset + (k * RowHeight) };
            }
        }
    }

    /// <summary>Longest-path layer of each node; nodes on an unbounded cycle (not valid anyway) keep the layer reached so far.</summary>
    internal static int[] Layers(int count, IReadOnlyList<(int Source, int Target)> edges)
    {
        var indegree = new int[count];
        var next = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
        foreach (var (s, t) in edges)
        {
            next[s].Add(t);
            indegree[t]++;
        }

        var layer = new int[count];
        var queue = new Queue<int>(Enumerable.Range(0, count).Where(i => indegree[i] == 0));
        while (queue.Count > 0)
        {
            var n = queue.Dequeue();
            foreach (var t in next[n])
            {
                layer[t] = Math.Max(layer[t], layer[n] + 1);
                if (--indegree[t] == 0)
                {
                    queue.Enqueue(t);
                }
            }
        }

        return layer;
    }

    private static List<List<int>> Order(int[] layer, IReadOnlyList<(int Source, int Target)> edges)
    {
        var order = Enumerable.Range(0, layer.Length == 0 ? 0 : layer.Max() + 1).Select(l => Enumerable.Range(0, layer.Length).Where(i => layer[i] == l).ToList()).ToList();
        var position = new double[layer.Length];
        void Number()
        {
            foreach (var l in order)
            {
                for (var k = 0; k < l.Count; k++)
                {
                    position[l[k]] = k;
                }
            }
        }

        Number();
        for (var sweep = 0; sweep < Sweeps; sweep++)
        {
            var down = sweep % 2 == 0;
            var range = down ? Enumerable.Range(1, Math.Max(0, order.Count - 1)) : Enumerable.Range(0, Math.Max(0, order.Count - 1)).Reverse();
            foreach (var l in range)
            {
                var keyed = order[l].Select(n =>
                {
                    var neighbours = down ? edges.Where(e => e.Target == n).Select(e => e.Source) : edges.Where(e => e.Source == n).Select(e => e.Target);
                    var list = neighbours.ToList();
                    return (Node: n, Key: list.Count == 0 ? position[n] : list.Average(x => position[x]));
                });
                order[l] = [.. keyed.OrderBy(k => k.Key).ThenBy(k => position[k.Node]).Select(k => k.Node)];
                for (var k = 0; k < order[l].Count; k++)
                {
                    position[order[l][k]] = k;
                }
            }
        }

        return order;
    }
}
