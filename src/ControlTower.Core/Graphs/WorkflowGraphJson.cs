using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Graphs;

/// <summary>
/// Reads and writes the v1 graph document. Reading is strict about JSON types (a string where an
/// array belongs is a <see cref="GraphFormatException"/>) and lenient about meaning (unknown
/// types, dangling ids, bad versions are left to <see cref="GraphValidator"/>, which reports them all at once).
/// </summary>
internal static class WorkflowGraphJson
{
    public static WorkflowGraph Parse(string json)
    {
        JsonNode? document;
        try
        {
            document = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new GraphFormatException("", $"The workflow graph is not valid JSON: {ex.Message}", ex);
        }

        return FromJson(document);
    }

    public static WorkflowGraph FromJson(JsonNode? document)
    {
        if (document is not JsonObject root)
        {
            throw new GraphFormatException("", "The workflow graph must be a JSON object.");
        }

        var version = OptionalString(root, "version", "");
        var nodes = ArrayOf(root, "nodes", "").Select((n, i) => ReadNode(n, $"/nodes/{i}")).ToList();
        var edges = ArrayOf(root, "edges", "").Select((e, i) => ReadEdge(e, $"/edges/{i}")).ToList();
        var config = OptionalObject(root, "config", "") ?? new JsonObject();
        return new WorkflowGraph(version, nodes, edges, config);
    }

    public static JsonObject ToJson(WorkflowGraph graph)
    {
        var nodes = new JsonArray();
        foreach (var node in graph.Nodes)
        {
            nodes.Add(WriteNode(node));
        }

        var edges = new JsonArray();
        foreach (var edge in graph.Edges)
        {
            edges.Add(WriteEdge(edge));
        }

        var root = new JsonObject();
        if (graph.Version is not null)
        {
            root["version"] = graph.Version;
        }

        root["nodes"] = nodes;
        root["edges"] = edges;
        root["config"] = graph.Config.DeepClone();
        return root;
    }

    private static GraphNode ReadNode(JsonNode? value, string pointer)
    {
        var obj = AsObject(value, pointer, "a node");
        var id = RequiredString(obj, "id", pointer);
        var type = RequiredString(obj, "type", pointer);
        var config = OptionalObject(obj, "config", pointer) ?? new JsonObject();
        GraphPosition? position = null;
        if (OptionalObject(obj, "position", pointer) is { } pos)
        {
            position = new GraphPosition(Number(pos, "x", pointer + "/position"), Number(pos, "y", pointer + "/position"));
        }

        var retry = OptionalObject(obj, "retry", pointer) is { } r ? ReadRetry(r, pointer + "/retry") : null;
        TimeSpan? timeout = OptionalLong(obj, "timeoutMs", pointer) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
        UnknownOutcomePolicy? onUnknown = OptionalString(obj, "onUnknownOutcome", pointer) switch
        {
            null => null,
            "retry" => UnknownOutcomePolicy.Retry,
            "ask" => UnknownOutcomePolicy.Ask,
            var other => throw new GraphFormatException(pointer + "/onUnknownOutcome", $"onUnknownOutcome must be \"retry\" or \"ask\", not \"{other}\"."),
        };

        return new GraphNode(id, type, config, position)
        {
            Name = OptionalString(obj, "name", pointer),
            Retry = retry,
            Timeout = timeout,
            OnUnknownOutcome = onUnknown,
        };
    }

    private static RetryPolicy ReadRetry(JsonObject obj, string pointer)
    {
        var d = RetryPolicy.Standard;
        return new RetryPolicy(
            (int)(OptionalLong(obj, "maxAttempts", pointer) ?? d.MaxAttempts),
            OptionalLong(obj, "initialBackoffMs", pointer) is { } i ? TimeSpan.FromMilliseconds(i) : d.InitialBackoff,
            OptionalNumber(obj, "multiplier", pointer) ?? d.Multiplier,
            OptionalLong(obj, "maxBackoffMs", pointer) is { } m ? TimeSpan.FromMilliseconds(m) : d.MaxBackoff,
            OptionalNumber(obj, "jitter", pointer) ?? d.Jitter);
    }

    private static GraphEdge ReadEdge(JsonNode? value, string pointer)
    {
        var obj = AsObject(value, pointer, "an edge");
        LoopBound? loop = null;
        if (OptionalObject(obj, "loop", pointer) is { } l)
        {
            var max = OptionalLong(l, "maxIterations", pointer + "/loop")
                ?? throw new GraphFormatException(pointer + "/loop/maxIterations", "A loop needs maxIterations.");
            loop = new LoopBound((int)Math.Clamp(max, int.MinValue, int.MaxValue));
        }

        return new GraphEdge(
            RequiredString(obj, "source", pointer),
            RequiredString(obj, "target", pointer),
            OptionalString(obj, "sourceHandle", pointer) ?? GraphEdge.DefaultSourceHandle,
            OptionalString(obj, "targetHandle", pointer) ?? GraphEdge.DefaultTargetHandle)
        {
            Id = OptionalString(obj, "id", pointer),
            Loop = loop,
        };
    }

    private static JsonObject WriteNode(GraphNode node)
    {
        var obj = new JsonObject { ["id"] = node.Id, ["type"] = node.Type };
        if (node.Name is not null)
        {
            obj["name"] = node.Name;
        }

        obj["config"] = node.Config.DeepClone();
        if (node.Position is { } p)
        {
            obj["position"] = new JsonObject { ["x"] = p.X, ["y"] = p.Y };
        }

        if (node.Retry is { } r)
        {
            obj["retry"] = new JsonObject
            {
                ["maxAttempts"] = r.MaxAttempts,
                ["initialBackoffMs"] = (long)r.InitialBackoff.TotalMilliseconds,
                ["multiplier"] = r.Multiplier,
                ["maxBackoffMs"] = (long)r.MaxBackoff.TotalMilliseconds,
                ["jitter"] = r.Jitter,
            };
        }

        if (node.Timeout is { } t)
        {
            obj["timeoutMs"] = (long)t.TotalMilliseconds;
        }

        if (node.OnUnknownOutcome is { } u)
        {
            obj["onUnknownOutcome"] = u == UnknownOutcomePolicy.Ask ? "ask" : "retry";
        }

        return obj;
    }

    private static JsonObject WriteEdge(GraphEdge edge)
    {
        var obj = new JsonObject();
        if (edge.Id is not null)
        {
            obj["id"] = edge.Id;
        }

        obj["source"] = edge.Source;
        obj["target"] = edge.Target;
        obj["sourceHandle"] = edge.SourceHandle;
        obj["targetHandle"] = edge.TargetHandle;
        if (edge.Loop is { } loop)
        {
            obj["loop"] = new JsonObject { ["maxIterations"] = loop.MaxIterations };
        }

        return obj;
    }

    private static JsonObject AsObject(JsonNode? value, string pointer, string what) =>
        value as JsonObject ?? throw new GraphFormatException(pointer, $"Expected {what} (a JSON object).");

    private static IEnumerable<JsonNode?> ArrayOf(JsonObject obj, string name, string pointer) =>
        obj[name] switch
        {
            null => [],
            JsonArray array => array,
            _ => throw new GraphFormatException($"{pointer}/{name}", $"'{name}' must be an array."),
        };

    private static string RequiredString(JsonObject obj, string name, string pointer) =>
        OptionalString(obj, name, pointer) ?? throw new GraphFormatException($"{pointer}/{name}", $"'{name}' is required.");

    private static string? OptionalString(JsonObject obj, string name, string pointer)
    {
        var value = obj[name];
        if (value is null)
        {
            return null;
        }

        return value is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw new GraphFormatException($"{pointer}/{name}", $"'{name}' must be a string.");
    }

    private static JsonObject? OptionalObject(JsonObject obj, string name, string pointer) =>
        obj[name] switch
        {
            null => null,
            JsonObject o => o,
            _ => throw new GraphFormatException($"{pointer}/{name}", $"'{name}' must be an object."),
        };

    private static double? OptionalNumber(JsonObject obj, string name, string pointer)
    {
        var value = obj[name];
        if (value is null)
        {
            return null;
        }

        // Parsed from the JSON text so that trees built in memory (a JsonValue over an int) read like parsed ones.
        return value is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
            : throw new GraphFormatException($"{pointer}/{name}", $"'{name}' must be a number.");
    }

    private static double Number(JsonObject obj, string name, string pointer) =>
        OptionalNumber(obj, name, pointer) ?? throw new GraphFormatException($"{pointer}/{name}", $"'{name}' is required.");

    private static long? OptionalLong(JsonObject obj, string name, string pointer)
    {
        var number = OptionalNumber(obj, name, pointer);
        if (number is null)
        {
            return null;
        }

        var value = number.Value;
        return Math.Floor(value) == value && Math.Abs(value) < 9e15
            ? (long)value
            : throw new GraphFormatException($"{pointer}/{name}", string.Create(CultureInfo.InvariantCulture, $"'{name}' must be an integer, not {value}."));
    }
}
