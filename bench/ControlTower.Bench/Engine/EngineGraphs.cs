using System.Text.Json.Nodes;

namespace ControlTower.Bench.Engine;

/// <summary>The workflow shapes the engine benchmark runs.</summary>
internal static class EngineGraphs
{
    /// <summary>trigger → t1 → … → t<paramref name="length"/>, each transform adding one to the previous value.</summary>
    public static JsonObject Chain(int length)
    {
        var nodes = new JsonArray { Node("start", "trigger.manual", []) };
        var edges = new JsonArray();
        for (var i = 1; i <= length; i++)
        {
            var previous = i == 1 ? "input.n" : $"nodes.t{i - 1}.output.v";
            nodes.Add(Node($"t{i}", "transform", new() { ["expression"] = $"{{'v': {previous} + 1}}" }));
            edges.Add(Edge(i == 1 ? "start" : $"t{i - 1}", $"t{i}"));
        }

        return Graph(nodes, edges);
    }

    /// <summary>
    /// The chain of <paramref name="length"/> transforms with two of its steps (the 4th and the 8th) replaced by
    /// side-effecting <c>http.request</c> calls to <paramref name="endpoint"/>: two durability boundaries.
    /// </summary>
    public static JsonObject ChainWithEffects(int length, string endpoint)
    {
        var graph = Chain(length);
        var nodes = graph["nodes"]!.AsArray();
        foreach (var i in new[] { 4, 8 })
        {
            var previous = $"nodes.t{i - 1}.output.v";
            nodes[i] = Node($"t{i}", "http.request", new()
            {
                ["method"] = "POST",
                ["url"] = $"{endpoint}/effect",
                ["body"] = $"{{'v': {previous}}}",
            });
            var next = nodes[i + 1]!["config"]!.AsObject();
            next["expression"] = $"{{'v': nodes.t{i - 1}.output.v + 2}}";
        }

        return graph;
    }

    /// <summary>The graph asking for a commit after every node (<c>config.durability: "step"</c>).</summary>
    public static JsonObject StepDurability(JsonObject graph)
    {
        var copy = graph.DeepClone().AsObject();
        copy["config"]!.AsObject()["durability"] = "step";
        return copy;
    }

    /// <summary>trigger → b1 … b<paramref name="width"/> in parallel → a <c>merge</c> (all) that joins them.</summary>
    public static JsonObject FanOutFanIn(int width)
    {
        var nodes = new JsonArray { Node("start", "trigger.manual", []), Node("join", "merge", new() { ["mode"] = "all" }) };
        var edges = new JsonArray();
        for (var i = 1; i <= width; i++)
        {
            nodes.Add(Node($"b{i}", "transform", new() { ["expression"] = $"{{'v': input.n * {i}}}" }));
            edges.Add(Edge("start", $"b{i}"));
            edges.Add(Edge($"b{i}", "join"));
        }

        return Graph(nodes, edges, new JsonObject { ["maxParallelNodes"] = width });
    }

    /// <summary>trigger → delay until <c>input.at</c> → transform: a run that parks on a durable timer.</summary>
    public static JsonObject Parked() => Graph(
        [
            Node("start", "trigger.manual", []),
            Node("wait", "delay", new() { ["until"] = "timestamp(input.at)" }),
            Node("after", "transform", new() { ["expression"] = "{'woke': input.n}" }),
        ],
        [Edge("start", "wait"), Edge("wait", "after")]);

    private static JsonObject Graph(JsonArray nodes, JsonArray edges, JsonObject? config = null) =>
        new() { ["version"] = "1.0", ["nodes"] = nodes, ["edges"] = edges, ["config"] = config ?? [] };

    private static JsonObject Node(string id, string type, JsonObject config) =>
        new() { ["id"] = id, ["type"] = type, ["config"] = config };

    private static JsonObject Edge(string source, string target) =>
        new() { ["source"] = source, ["target"] = target, ["sourceHandle"] = "success", ["targetHandle"] = "in" };
}
