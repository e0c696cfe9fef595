using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;
using ControlTower.Server.Nodes;

namespace ControlTower.Server.Tests.Nodes;

/// <summary>Builds what the runner would hand an executor: config as saved and the activation JSON of NodeActivation.</summary>
internal static class NodeContexts
{
    public static readonly DateTimeOffset Now = new(2026, 5, 4, 10, 0, 0, TimeSpan.Zero);

    public static NodeExpressions NodeCel { get; } = new(new CelCompileCache());

    public static NodeExecutionContext For(
        string nodeType,
        string configJson,
        JsonObject? activation = null,
        string nodeId = "n1",
        int attempt = 1,
        IProgress<NodeProgress>? progress = null)
    {
        var runId = Guid.NewGuid();
        return new NodeExecutionContext(
            runId,
            Guid.NewGuid(),
            1,
            nodeId,
            nodeType,
            attempt,
            $"{runId}:{nodeId}:{attempt}",
            JsonNode.Parse(configJson)!.AsObject(),
            activation ?? Activation(new JsonObject()),
            Guid.NewGuid(),
            Now,
            "0af7651916cd43dd8448eb211c80319c",
            progress ?? new Progress<NodeProgress>());
    }

    /// <summary><c>{ input, nodes: { id: { outcome: success, output } }, run, node }</c>; a node given as null output is a caught failure.</summary>
    public static JsonObject Activation(JsonNode? input, params (string Id, JsonNode? Output)[] upstream)
    {
        var nodes = new JsonObject { ["start"] = new JsonObject { ["outcome"] = "success", ["output"] = input?.DeepClone() } };
        foreach (var (id, output) in upstream)
        {
            nodes[id] = output is null
                ? new JsonObject { ["outcome"] = "error", ["error"] = new JsonObject { ["code"] = "x.failed", ["message"] = "boom" } }
                : new JsonObject { ["outcome"] = "success", ["output"] = output.DeepClone() };
        }

        return new JsonObject
        {
            ["input"] = input?.DeepClone(),
            ["nodes"] = nodes,
            ["run"] = new JsonObject { ["id"] = Guid.NewGuid().ToString() },
            ["node"] = new JsonObject { ["id"] = "n1", ["attempt"] = 1, ["iteration"] = 1 },
        };
    }

    public static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    public static T As<T>(NodeResult result)
        where T : NodeResult
    {
        Assert.True(result is T, $"expected {typeof(T).Name} but got {result}");
        return (T)result;
    }

    public static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected} but got {actual?.ToJsonString() ?? "null"}");
}

/// <summary>Reports on the caller's thread, in order (unlike Progress&lt;T&gt;).</summary>
internal sealed class RecordingProgress : IProgress<NodeProgress>
{
    private readonly List<NodeProgress> _reports = [];

    public IReadOnlyList<NodeProgress> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(NodeProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }
    }
}
