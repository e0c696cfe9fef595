using System.Text.Json.Nodes;
using ControlTower.Core.Planning;

namespace ControlTower.Core.Tests.Planning;

public sealed class GraphLayoutTests
{
    [Fact]
    public void Arrange_WhenEdgesRunForward_EveryEdgeGoesLeftToRight()
    {
        foreach (var c in PlannerData.Corpus.Where(c => c.Base is null))
        {
            if (PlannerData.Plan(c.Prompt).Graph is not { } graph)
            {
                continue;
            }

            var x = graph["nodes"]!.AsArray().ToDictionary(n => (string)n!["id"]!, n => (double)n!["position"]!["x"]!);
            foreach (var edge in graph["edges"]!.AsArray().Where(e => e!["loop"] is null))
            {
                Assert.True(x[(string)edge!["source"]!] < x[(string)edge["target"]!], $"{c.Id}: {edge.ToJsonString()}");
            }
        }
    }

    [Fact]
    public void Arrange_WhenNodesShareALayer_NoTwoOverlap()
    {
        var graph = Graph(["t", "a", "b", "c", "d"], ["t>a", "t>b", "t>c", "a>d", "b>d", "c>d"]);

        GraphLayout.Arrange(graph);

        var positions = graph["nodes"]!.AsArray().Select(n => ((double)n!["position"]!["x"]!, (double)n["position"]!["y"]!)).ToList();
        Assert.Equal(positions.Count, positions.Distinct().Count());
        Assert.Equal(3, positions.Count(p => p.Item1 == GraphLayout.ColumnWidth));
    }

    [Fact]
    public void Arrange_WhenLayersAreByLongestPath_ALateJoinSitsAfterItsLongestInput()
    {
        var graph = Graph(["t", "a", "b", "j"], ["t>a", "a>b", "b>j", "t>j"]);

        GraphLayout.Arrange(graph);

        Assert.Equal(3 * GraphLayout.ColumnWidth, (double)graph["nodes"]![3]!["position"]!["x"]!);
    }

    [Fact]
    public void Arrange_WhenOrderingByBarycentre_CrossingEdgesAreUntangled()
    {
        // t -> a, b; a -> y, b -> x (x listed first): barycentric ordering puts y above x to follow a above b.
        var graph = Graph(["t", "a", "b", "x", "y"], ["t>a", "t>b", "b>x", "a>y"]);

        GraphLayout.Arrange(graph);

        double Y(int i) => (double)graph["nodes"]![i]!["position"]!["y"]!;
        Assert.True(Y(1) < Y(2));
        Assert.True(Y(4) < Y(3));
    }

    [Fact]
    public void Arrange_WhenAnEdgeLoopsBack_IgnoresItForLayers()
    {
        var graph = Graph(["t", "a", "c"], ["t>a", "a>c", "c>a@3"]);

        GraphLayout.Arrange(graph);

        Assert.Equal(2 * GraphLayout.ColumnWidth, (double)graph["nodes"]![2]!["position"]!["x"]!);
    }

    [Fact]
    public void Arrange_WhenTheGraphIsEmptyOrBroken_DoesNotThrow()
    {
        GraphLayout.Arrange(new JsonObject());
        GraphLayout.Arrange(Graph(["a"], ["a>zzz"]));
        GraphLayout.Arrange(Graph(["a", "b"], ["a>b", "b>a"]));
    }

    private static JsonObject Graph(string[] ids, string[] edges) => new()
    {
        ["nodes"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["id"] = id, ["type"] = "transform", ["config"] = new JsonObject() })]),
        ["edges"] = new JsonArray([.. edges.Select(e =>
        {
            var loop = e.Contains('@', StringComparison.Ordinal);
            var parts = e.Split('@')[0].Split('>');
            var edge = new JsonObject { ["source"] = parts[0], ["target"] = parts[1] };
            if (loop)
            {
                edge["loop"] = new JsonObject { ["maxIterations"] = 3 };
            }

            return (JsonNode)edge;
        })]),
    };
}
