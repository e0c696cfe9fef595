using System.Collections.Immutable;
using System.Text.Json;

namespace ControlTower.Core.Scheduling;

/// <summary>
/// The stable JSON checkpoint form of <see cref="RunState"/> (schema <c>ct.run-state/1</c>).
/// Properties are written in a fixed order and nulls are omitted, so equal states give equal bytes:
/// <code>
/// { "schema": "ct.run-state/1", "runId": "r1", "seed": 42, "status": "running",
///   "stepsUsed": 3, "sequence": 2, "trigger": "start",
///   "startedAt": "2026-01-01T00:00:00+00:00", "finishedAt": ..., "input": {...}, "output": ...,
///   "error": { "nodeId": "n2", "code": "...", "message": "..." },
///   "loopIterations": [0],
///   "nodes": { "start": { "status": "succeeded", "attempt": 1, "tries": 1, "activations": 1,
///                         "outcome": "success", "output": {...}, "error": {"code","message"},
///                         "waitReason": "approval", "retryDueAt": "...", "startedAt": "...",
///                         "finishedAt": "...", "completedSeq": 1 } } }
/// </code>
/// Status names are snake_case (<c>backing_off</c>). <c>nodes</c> keeps plan order.
/// </summary>
public static class RunStateJson
{
    public const string Schema = "ct.run-state/1";

    public static byte[] SerializeToUtf8(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return JsonWriting.ToUtf8(writer => Write(writer, state));
    }

    public static string Serialize(RunState state) => System.Text.Encoding.UTF8.GetString(SerializeToUtf8(state));

    public static RunState Deserialize(string json) => Deserialize(System.Text.Encoding.UTF8.GetBytes(json));

    public static RunState Deserialize(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray());
        }
        catch (JsonException ex)
        {
            throw new SchedulerException(SchedulerErrorCodes.StateInvalid, $"The run state is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            return Read(document.RootElement);
        }
    }

    public static void Write(Utf8JsonWriter writer, RunState state)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(state);
        writer.WriteStartObject();
        writer.WriteString("schema", Schema);
        writer.WriteString("runId", state.RunId);
        writer.WriteNumber("seed", state.Seed);
        writer.WriteString("status", Name(state.Status));
        writer.WriteNumber("stepsUsed", state.StepsUsed);
        writer.WriteNumber("sequence", state.Sequence);
        WriteOptional(writer, "trigger", state.TriggerNodeId);
        WriteOptional(writer, "startedAt", state.StartedAt);
        WriteOptional(writer, "finishedAt", state.FinishedAt);
        WriteOptional(writer, "input", state.Input);
        WriteOptional(writer, "output", state.Output);
        if (state.Error is { } error)
        {
            writer.WriteStartObject("error");
            WriteOptional(writer, "nodeId", error.NodeId);
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        writer.WriteStartArray("loopIterations");
        foreach (var count in state.LoopIterations)
        {
            writer.WriteNumberValue(count);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("nodes");
        foreach (var node in state.Nodes)
        {
            WriteNode(writer, node);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter writer, NodeRunState node)
    {
        writer.WriteStartObject(node.NodeId);
        writer.WriteString("status", Name(node.Status));
        writer.WriteNumber("attempt", node.Attempt);
        writer.WriteNumber("tries", node.Tries);
        writer.WriteNumber("activations", node.Activations);
        WriteOptional(writer, "outcome", node.Outcome);
        WriteOptional(writer, "output", node.Output);
        if (node.Error is { } error)
        {
            writer.WriteStartObject("error");
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        WriteOptional(writer, "waitReason", node.WaitReason);
        WriteOptional(writer, "retryDueAt", node.RetryDueAt);
        WriteOptional(writer, "startedAt", node.StartedAt);
        WriteOptional(writer, "finishedAt", node.FinishedAt);
        writer.WriteNumber("completedSeq", node.CompletedSeq);
        writer.WriteEndObject();
    }

    private static RunState Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || OptionalString(root, "schema") != Schema)
        {
            throw new SchedulerException(SchedulerErrorCodes.StateInvalid, $"The run state is not a {Schema} document.");
        }

        var nodes = ImmutableArray.CreateBuilder<NodeRunState>();
        foreach (var property in Required(root, "nodes").EnumerateObject())
        {
            nodes.Add(ReadNode(property.Name, property.Value));
        }

        return new RunState
        {
            RunId = RequiredString(root, "runId"),
            Seed = Required(root, "seed").GetInt64(),
            Status = Parse<RunStatus>(RequiredString(root, "status")),
            StepsUsed = Required(root, "stepsUsed").GetInt32(),
            Sequence = Required(root, "sequence").GetInt64(),
            TriggerNodeId = OptionalString(root, "trigger"),
            StartedAt = OptionalTime(root, "startedAt"),
            FinishedAt = OptionalTime(root, "finishedAt"),
            Input = OptionalElement(root, "input"),
            Output = OptionalElement(root, "output"),
            Error = root.TryGetProperty("error", out var e)
                ? new RunError(OptionalString(e, "nodeId"), RequiredString(e, "code"), RequiredString(e, "message"))
                : null,
            LoopIterations = [.. Required(root, "loopIterations").EnumerateArray().Select(c => c.GetInt32())],
            Nodes = nodes.ToImmutable(),
        };
    }

    private static NodeRunState ReadNode(string id, JsonElement obj) => new(id)
    {
        Status = Parse<NodeStatus>(RequiredString(obj, "status")),
        Attempt = Required(obj, "attempt").GetInt32(),
        Tries = Required(obj, "tries").GetInt32(),
        Activations = Required(obj, "activations").GetInt32(),
        Outcome = OptionalString(obj, "outcome"),
        Output = OptionalElement(obj, "output"),
        Error = obj.TryGetProperty("error", out var e) ? new NodeError(RequiredString(e, "code"), RequiredString(e, "message")) : null,
        WaitReason = OptionalString(obj, "waitReason"),
        RetryDueAt = OptionalTime(obj, "retryDueAt"),
        StartedAt = OptionalTime(obj, "startedAt"),
        FinishedAt = OptionalTime(obj, "finishedAt"),
        CompletedSeq = Required(obj, "completedSeq").GetInt64(),
    };

    /// <summary>snake_case of an enum member (BackingOff → backing_off), computed once per member.</summary>
    internal static string Name<T>(T value)
        where T : struct, Enum => EnumNames<T>.ByValue[value];

    private static class EnumNames<T>
        where T : struct, Enum
    {
        public static readonly Dictionary<T, string> ByValue = Enum.GetValues<T>().ToDictionary(v => v, SnakeCase);
        public static readonly Dictionary<string, T> ByName = ByValue.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

        private static string SnakeCase(T value)
        {
            var text = value.ToString();
            var builder = new System.Text.StringBuilder(text.Length + 4);
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsUpper(text[i]) && i > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(text[i]));
            }

            return builder.ToString();
        }
    }

    private static T Parse<T>(string name)
        where T : struct, Enum =>
        EnumNames<T>.ByName.TryGetValue(name, out var value)
            ? value
            : throw new SchedulerException(SchedulerErrorCodes.StateInvalid, $"'{name}' is not a {typeof(T).Name}.");

    private static JsonElement Required(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) ? value : throw new SchedulerException(SchedulerErrorCodes.StateInvalid, $"The run state lacks '{name}'.");

    private static string RequiredString(JsonElement obj, string name) =>
        Required(obj, name).GetString() ?? throw new SchedulerException(SchedulerErrorCodes.StateInvalid, $"'{name}' must be a string.");

    private static string? OptionalString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static DateTimeOffset? OptionalTime(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) ? value.GetDateTimeOffset() : null;

    private static JsonElement? OptionalElement(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) ? value.Clone() : null;

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            writer.WriteString(name, time);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, JsonElement? value)
    {
        if (value is { } element)
        {
            writer.WritePropertyName(name);
            element.WriteTo(writer);
        }
    }
}
