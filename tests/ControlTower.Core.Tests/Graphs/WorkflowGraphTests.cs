using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;

namespace ControlTower.Core.Tests.Graphs;

public sealed class WorkflowGraphTests
{
    private const string Full = """
        { "version": "1.0",
          "nodes": [
            { "id": "start", "type": "trigger.manual", "config": {}, "position": { "x": 0, "y": 10.5 } },
            { "id": "call", "type": "http.request", "name": "Call", "config": { "url": "https://x" },
              "retry": { "maxAttempts": 4, "initialBackoffMs": 500, "multiplier": 3, "maxBackoffMs": 9000, "jitter": 0.1 },
              "timeoutMs": 1500, "onUnknownOutcome": "ask" } ],
          "edges": [ { "id": "e1", "source": "start", "target": "call", "sourceHandle": "success", "targetHandle": "in", "loop": { "maxIterations": 2 } } ],
          "config": { "stepBudget": 50 } }
        """;

    [Fact]
    public void Parse_WhenDocumentIsComplete_ReadsEveryField()
    {
        var graph = WorkflowGraph.Parse(Full);

        Assert.Equal("1.0", graph.Version);
        Assert.Equal(new GraphPosition(0, 10.5), graph.Nodes[0].Position);
        var call = graph.Nodes[1];
        Assert.Equal(("Call", TimeSpan.FromMilliseconds(1500), UnknownOutcomePolicy.Ask), (call.Name, call.Timeout!.Value, call.OnUnknownOutcome!.Value));
        Assert.Equal(new RetryPolicy(4, TimeSpan.FromMilliseconds(500), 3, TimeSpan.FromSeconds(9), 0.1), call.Retry);
        Assert.Equal(new GraphEdge("start", "call") { Id = "e1", Loop = new LoopBound(2) }, graph.Edges[0]);
        Assert.Equal(50, graph.Config["stepBudget"]!.GetValue<int>());
    }

    [Fact]
    public void ToJson_WhenParsedBack_GivesTheSameDocument()
    {
        var once = WorkflowGraph.Parse(Full).ToJson().ToJsonString();

        Assert.Equal(once, WorkflowGraph.Parse(once).ToJson().ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Full), JsonNode.Parse(once)));
    }

    [Fact]
    public void Parse_WhenHandlesAndConfigAreOmitted_UsesDefaults()
    {
        var graph = WorkflowGraph.Parse("""{ "nodes": [ { "id": "a", "type": "transform" } ], "edges": [ { "source": "a", "target": "b" } ] }""");

        Assert.Null(graph.Version);
        Assert.Empty(graph.Nodes[0].Config);
        Assert.Equal(("success", "in"), (graph.Edges[0].SourceHandle, graph.Edges[0].TargetHandle));
    }

    [Theory]
    [InlineData("{ nope", "")]
    [InlineData("[]", "")]
    [InlineData("""{ "nodes": {} }""", "/nodes")]
    [InlineData("""{ "nodes": [ 3 ] }""", "/nodes/0")]
    [InlineData("""{ "nodes": [ { "type": "transform" } ] }""", "/nodes/0/id")]
    [InlineData("""{ "nodes": [ { "id": 1, "type": "transform" } ] }""", "/nodes/0/id")]
    [InlineData("""{ "nodes": [ { "id": "a", "type": "transform", "config": [] } ] }""", "/nodes/0/config")]
    [InlineData("""{ "nodes": [ { "id": "a", "type": "t", "retry": { "maxAttempts": 1.5 } } ] }""", "/nodes/0/retry/maxAttempts")]
    [InlineData("""{ "nodes": [ { "id": "a", "type": "t", "onUnknownOutcome": "shrug" } ] }""", "/nodes/0/onUnknownOutcome")]
    [InlineData("""{ "edges": [ { "source": "a" } ] }""", "/edges/0/target")]
    [InlineData("""{ "edges": [ { "source": "a", "target": "b", "loop": {} } ] }""", "/edges/0/loop/maxIterations")]
    [InlineData("""{ "version": 1 }""", "/version")]
    public void Parse_WhenShapeIsWrong_ThrowsJsonInvalidWithPointer(string json, string pointer)
    {
        var ex = Assert.Throws<GraphFormatException>(() => WorkflowGraph.Parse(json));

        Assert.Equal(("graph.json_invalid", pointer), (ex.Code, ex.JsonPointer));
    }
}
