using System.Text.Json.Nodes;
using ControlTower.Core.Planning;

namespace ControlTower.Core.Tests.Planning;

public sealed class PlanScoringTests
{
    private static readonly PlanExpectation Expected = PlanExpectation.FromJson(JsonNode.Parse("""
        {"nodes":["trigger.manual","pharmacy/get_stock","condition","respond"],"edges":["0>1","1>2","2:true>3"],"args":{"1":{"arguments.drug":"X"}}}
        """)!.AsObject());

    [Fact]
    public void Score_WhenTheDraftIsTheExpectation_IsExact()
    {
        var score = PlanScoring.Score(Expected, Draft(Graph(("get_stock", "pharmacy", "X"), "condition", "respond"), "t>get_stock", "get_stock>condition", "condition:true>respond"));

        Assert.True(score.Exact);
        Assert.Equal((4, 4, 4), (score.NodesMatched, score.NodesExpected, score.NodesDrafted));
        Assert.Equal((3, 3, 3), (score.EdgesMatched, score.EdgesExpected, score.EdgesDrafted));
        Assert.Equal((1, 1), (score.ArgumentsCorrect, score.ArgumentsExpected));
    }

    [Fact]
    public void Score_WhenAHandleDiffers_TheEdgeDoesNotMatch()
    {
        var score = PlanScoring.Score(Expected, Draft(Graph(("get_stock", "pharmacy", "X"), "condition", "respond"), "t>get_stock", "get_stock>condition", "condition:false>respond"));

        Assert.False(score.Exact);
        Assert.Equal(2, score.EdgesMatched);
    }

    [Fact]
    public void Score_WhenAToolIsWrong_ItsNodeAndEdgesAndArgumentsDoNotCount()
    {
        var score = PlanScoring.Score(Expected, Draft(Graph(("list_stock", "pharmacy", "X"), "condition", "respond"), "t>list_stock", "list_stock>condition", "condition:true>respond"));

        Assert.Equal(3, score.NodesMatched);
        Assert.Equal(1, score.EdgesMatched);
        Assert.Equal(0, score.ArgumentsCorrect);
    }

    [Fact]
    public void Total_WhenAveraging_UsesMicroF1OverAllNodesAndEdges()
    {
        var perfect = PlanScoring.Score(Expected, Draft(Graph(("get_stock", "pharmacy", "X"), "condition", "respond"), "t>get_stock", "get_stock>condition", "condition:true>respond"));
        var refused = PlanScoring.Score(Expected, new PlanDraft(null, [], [], [new PlanProblem("x", "y", null)], "offline", null));

        var total = PlanScoring.Total([perfect, refused]);

        Assert.Equal(0.5, total.ValidRate);
        Assert.Equal(2.0 * 4 / (8 + 4), total.NodeF1, 6);
        Assert.Equal(2.0 * 3 / (6 + 3), total.EdgeF1, 6);
        Assert.Equal(0.5, total.ExactRate);
    }

    [Fact]
    public void Score_WhenARefusalIsExpected_CountsOnlyARefusalWithThatCode()
    {
        var expectation = PlanExpectation.FromJson(JsonNode.Parse("""{"problems":["planner.tool_unknown"]}""")!.AsObject());

        Assert.True(PlanScoring.Score(expectation, new PlanDraft(null, [], [], [new PlanProblem(PlanProblemCodes.ToolUnknown, "m", null)], "offline", null)).RefusedCorrectly);
        Assert.False(PlanScoring.Score(expectation, new PlanDraft(null, [], [], [new PlanProblem(PlanProblemCodes.ServerUnknown, "m", null)], "offline", null)).RefusedCorrectly);
        Assert.False(PlanScoring.Score(expectation, Draft(Graph(("get_stock", "pharmacy", "X")), "t>get_stock")).RefusedCorrectly);
    }

    [Theory]
    [InlineData("0>1", 0, "success", 1, false)]
    [InlineData("2:true>3", 2, "true", 3, false)]
    [InlineData("3 > 1 @5", 3, "success", 1, true)]
    public void Parse_WhenGivenTheCorpusEdgeForm_ReadsIt(string text, int source, string handle, int target, bool loop) =>
        Assert.Equal(new PlanEdge(source, handle, target, loop), PlanEdge.Parse(text));

    [Fact]
    public void Parse_WhenTheEdgeIsMalformed_Throws() => Assert.Throws<FormatException>(() => PlanEdge.Parse("a->b"));

    private static JsonObject Graph((string Id, string Server, string Drug) tool, params string[] types)
    {
        var nodes = new JsonArray(
            new JsonObject { ["id"] = "t", ["type"] = "trigger.manual", ["config"] = new JsonObject() },
            new JsonObject
            {
                ["id"] = tool.Id,
                ["type"] = "mcp.tool",
                ["config"] = new JsonObject { ["server"] = tool.Server, ["tool"] = tool.Id, ["arguments"] = new JsonObject { ["drug"] = tool.Drug } }
            });
        foreach (var type in types)
        {
            nodes.Add(new JsonObject { ["id"] = type, ["type"] = type, ["config"] = new JsonObject() });
        }

        return new JsonObject { ["version"] = "1.0", ["nodes"] = nodes, ["edges"] = new JsonArray() };
    }

    private static PlanDraft Draft(JsonObject graph, params string[] edges)
    {
        foreach (var edge in edges)
        {
            var (from, to) = (edge.Split('>')[0], edge.Split('>')[1]);
            var handle = from.Contains(':', StringComparison.Ordinal) ? from.Split(':')[1] : "success";
            graph["edges"]!.AsArray().Add(new JsonObject { ["source"] = from.Split(':')[0], ["target"] = to, ["sourceHandle"] = handle, ["targetHandle"] = "in" });
        }

        return new PlanDraft(graph, [], [], [], "offline", null);
    }
}
