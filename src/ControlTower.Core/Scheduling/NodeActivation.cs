using System.Buffers;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Scheduling;

/// <summary>The latest result of an upstream node, as a node's input shows it.</summary>
public sealed record UpstreamResult(string NodeId, string Outcome, JsonElement? Output, NodeError? Error);

/// <summary>
/// A node's input, which is also its CEL activation. JSON form (<see cref="ToJson"/>):
/// <code>
/// { "input": &lt;run input&gt;,
///   "nodes": { "&lt;id&gt;": { "outcome": "success", "output": ... },
///              "&lt;failed id&gt;": { "outcome": "error", "error": { "code": "...", "message": "..." } } },
///   "run":  { "id": "&lt;runId&gt;" },
///   "node": { "id": "&lt;nodeId&gt;", "attempt": 2, "iteration": 1 } }
/// </code>
/// <c>nodes</c> holds every upstream node (any path, loop edges included) that has a result, in
/// graph order: the trigger (output = run input) and every ancestor that succeeded or failed with
/// a caught error. Skipped ancestors are absent. Which nodes appear depends only on the graph and
/// the results, never on timing, so a replay sees the same input. Inside a loop, nodes upstream
/// only through the back edge show their previous iteration's result. <c>iteration</c> is the
/// node's activation count (1 on first entry).
/// The JSON is built on demand: building it in the scheduler would cost every step a copy.
/// </summary>
public sealed record NodeActivation(string RunId, string NodeId, int Attempt, int Iteration, JsonElement? Input, ImmutableArray<UpstreamResult> Upstream)
{
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WritePropertyName("input");
        WriteValue(writer, Input);
        writer.WriteStartObject("nodes");
        foreach (var upstream in Upstream)
        {
            writer.WriteStartObject(upstream.NodeId);
            writer.WriteString("outcome", upstream.Outcome);
            WriteResult(writer, upstream);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        WriteRunAndNode(writer);
        writer.WriteEndObject();
    }

    /// <summary>An upstream's <c>error</c>, or else its <c>output</c>, as the <c>nodes</c> entry holds it.</summary>
    public static void WriteResult(Utf8JsonWriter writer, UpstreamResult upstream)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(upstream);
        if (upstream.Error is { } error)
        {
            writer.WriteStartObject("error");
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }
        else
        {
            writer.WritePropertyName("output");
            WriteValue(writer, upstream.Output);
        }
    }

    /// <summary>The <c>run</c> and <c>node</c> members, which close the activation's object.</summary>
    public void WriteRunAndNode(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject("run");
        writer.WriteString("id", RunId);
        writer.WriteEndObject();
        writer.WriteStartObject("node");
        writer.WriteString("id", NodeId);
        writer.WriteNumber("attempt", Attempt);
        writer.WriteNumber("iteration", Iteration);
        writer.WriteEndObject();
    }

    /// <summary>The activation's JSON text (<see cref="WriteTo"/>).</summary>
    public string ToJsonString() => System.Text.Encoding.UTF8.GetString(JsonWriting.ToUtf8(WriteTo));

    /// <summary>The activation as a standalone JSON element.</summary>
    public JsonElement ToJsonElement() => JsonWriting.ToElement(WriteTo);

    /// <summary>
    /// The activation as a fresh, mutable JSON tree whose run input and upstream outputs are views of the shared, immutable
    /// elements the state holds, built into nodes only where they are read or changed: no upstream output is copied or
    /// serialized to build it. Its values are exactly those of <see cref="WriteTo"/>.
    /// </summary>
    public JsonObject ToJson()
    {
        var nodes = new JsonObject();
        foreach (var upstream in Upstream)
        {
            var result = new JsonObject { ["outcome"] = upstream.Outcome };
            if (upstream.Error is { } error)
            {
                result["error"] = new JsonObject { ["code"] = error.Code, ["message"] = error.Message };
            }
            else
            {
                result["output"] = View(upstream.Output);
            }

            nodes[upstream.NodeId] = result;
        }

        return new JsonObject
        {
            ["input"] = View(Input),
            ["nodes"] = nodes,
            ["run"] = new JsonObject { ["id"] = RunId },
            ["node"] = new JsonObject { ["id"] = NodeId, ["attempt"] = Attempt, ["iteration"] = Iteration },
        };
    }

    /// <summary>A node over <paramref name="value"/> that reads it in place (no copy until it is changed).</summary>
    private static JsonNode? View(JsonElement? value) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } element => JsonObject.Create(element),
        { ValueKind: JsonValueKind.Array } element => JsonArray.Create(element),
        { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { } element => JsonValue.Create(element),
    };

    private static void WriteValue(Utf8JsonWriter writer, JsonElement? value)
    {
        if (value is { } element)
        {
            element.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

internal static class JsonWriting
{
    // One buffer and writer per thread for ToText: a commit serializes a row per changed node.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The JSON text <paramref name="write"/> writes (synchronously), without an intermediate byte array.</summary>
    public static string ToText(Action<Utf8JsonWriter> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        write(writer);
        writer.Flush();
        var text = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > 64 * 1024)
        {
            t_buffer = null; // a large state's buffer is not kept
        }

        return text;
    }

    public static byte[] ToUtf8(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static JsonElement ToElement(Action<Utf8JsonWriter> write)
    {
        using var document = JsonDocument.Parse(ToUtf8(write));
        return document.RootElement.Clone();
    }
}
