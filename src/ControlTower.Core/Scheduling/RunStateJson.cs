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
/// <para>
/// The stored form is split (schema <c>ct.run-state/2</c>), so a commit writes only what changed: a small header
/// (<see cref="SerializeHeader"/>: the document above without <c>input</c> and with <c>nodes</c> reduced to the node ids in
/// plan order) and one row per changed node (<see cref="SerializeNode"/>: a node's object without <c>output</c>, with
/// <c>"hasOutput": true</c> when it has one; the output itself is stored beside the row that set it).
/// <see cref="Assemble"/> puts them back together; it also reads a whole <c>ct.run-state/1</c> document.
/// </para>
/// </summary>
public static class RunStateJson
{
    public const string Schema = "ct.run-state/1";

    /// <summary>The schema of the split form's header.</summary>
    public const string HeaderSchema = "ct.run-state/2";

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

    /// <summary>The header of the split form: everything but the run input and the nodes' states (their ids only, in plan order).</summary>
    public static string SerializeHeader(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return JsonWriting.ToText(writer => WriteHeader(writer, state));
    }

    /// <summary>One node's state without its output (<c>"hasOutput": true</c> when it has one).</summary>
    public static string SerializeNode(NodeRunState node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return JsonWriting.ToText(writer => WriteNode(writer, node, withOutput: false));
    }

    /// <summary>
    /// The node rows a commit from <paramref name="before"/> (the state as stored) to <paramref name="after"/> appends: one per
    /// node Apply replaced (every node when <paramref name="everyNode"/>, for a state stored whole until now), carrying the
    /// node's output only when it is new. An output only ever arrives with a new completion (a new <see cref="NodeRunState.CompletedSeq"/>).
    /// </summary>
    public static IEnumerable<StoredNodeState> ChangedRows(RunState before, RunState after, bool everyNode)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        for (var i = 0; i < after.Nodes.Length; i++)
        {
            var node = after.Nodes[i];
            var previous = i < before.Nodes.Length ? before.Nodes[i] : null;
            if (!everyNode && ReferenceEquals(node, previous))
            {
                continue;
            }

            var isNew = everyNode || previous?.Output is null || previous.CompletedSeq != node.CompletedSeq;
            yield return new StoredNodeState(node.NodeId, SerializeNode(node), node.Output is { } output && isNew ? output.GetRawText() : null);
        }
    }

    /// <summary>Whether <paramref name="json"/> is a split form's header (else a whole <c>ct.run-state/1</c> document).</summary>
    public static bool IsHeader(string json) =>
        json is not null && json.StartsWith($"{{\"schema\":\"{HeaderSchema}\"", StringComparison.Ordinal);

    /// <summary>
    /// The state from its stored form: a whole <c>ct.run-state/1</c> document as it is (<paramref name="nodes"/> unused), or a
    /// header with the run's input and its node rows, oldest first: a node's latest row is its state, and its output (when the
    /// row says it has one) is the one the latest of its rows with an output carries. A node without rows is pending, untouched.
    /// </summary>
    public static RunState Assemble(string stored, JsonElement? input, IEnumerable<StoredNodeState> nodes)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(nodes);
        if (!IsHeader(stored))
        {
            return Deserialize(stored);
        }

        using var header = Parse(System.Text.Encoding.UTF8.GetBytes(stored));
        var latest = new Dictionary<string, (string State, string? Output)>(StringComparer.Ordinal);
        foreach (var row in nodes)
        {
            var output = row.Output ?? (latest.TryGetValue(row.NodeId, out var previous) ? previous.Output : null);
            latest[row.NodeId] = (row.State, output);
        }

        var ids = Required(header.RootElement, "nodes");
        var states = ImmutableArray.CreateBuilder<NodeRunState>(ids.GetArrayLength());
        foreach (var id in ids.EnumerateArray())
        {
            var nodeId = id.GetString() ?? throw new SchedulerException(SchedulerErrorCodes.StateInvalid, "A node id must be a string.");
            states.Add(latest.TryGetValue(nodeId, out var row) ? ReadStoredNode(nodeId, row.State, row.Output) : new NodeRunState(nodeId));
        }

        return ReadRun(header.RootElement, states.MoveToImmutable()) with { Input = input };
    }

    private static NodeRunState ReadStoredNode(string nodeId, string state, string? output)
    {
        using var document = Parse(System.Text.Encoding.UTF8.GetBytes(state));
        var node = ReadNode(nodeId, document.RootElement);
        if (!document.RootElement.TryGetProperty("hasOutput", out _))
        {
            return node;
        }

        using var value = Parse(System.Text.Encoding.UTF8.GetBytes(output
            ?? throw new SchedulerException(SchedulerErrorCodes.StateInvalid, $"Node '{nodeId}' has an output, but no row carries it.")));
        return node with { Output = value.RootElement.Clone() };
    }

    private static JsonDocument Parse(byte[] utf8)
    {
        try
        {
            return JsonDocument.Parse(utf8);
        }
        catch (JsonException ex)
        {
            throw new SchedulerException(SchedulerErrorCodes.StateInvalid, $"The run state is not valid JSON: {ex.Message}");
        }
    }

    private static void WriteHeader(Utf8JsonWriter writer, RunState state)
    {
        writer.WriteStartObject();
        writer.WriteString("schema", HeaderSchema);
        WriteRun(writer, state, withInput: false);
        writer.WriteStartArray("nodes");
        foreach (var node in state.Nodes)
        {
            writer.WriteStringValue(node.NodeId);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter writer, RunState state)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(state);
        writer.WriteStartObject();
        writer.WriteString("schema", Schema);
        WriteRun(writer, state, withInput: true);
        writer.WriteStartObject("nodes");
        foreach (var node in state.Nodes)
        {
            writer.WritePropertyName(node.NodeId);
            WriteNode(writer, node, withOutput: true);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteRun(Utf8JsonWriter writer, RunState state, bool withInput)
    {
        writer.WriteString("runId", state.RunId);
        writer.WriteNumber("seed", state.Seed);
        writer.WriteString("status", Name(state.Status));
        writer.WriteNumber("stepsUsed", state.StepsUsed);
        writer.WriteNumber("sequence", state.Sequence);
        WriteOptional(writer, "trigger", state.TriggerNodeId);
        WriteOptional(writer, "startedAt", state.StartedAt);
        WriteOptional(writer, "finishedAt", state.FinishedAt);
        if (withInput)
        {
            WriteOptional(writer, "input", state.Input);
        }

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
    }

    private static void WriteNode(Utf8JsonWriter writer, NodeRunState node, bool withOutput)
    {
        writer.WriteStartObject();
        writer.WriteString("status", Name(node.Status));
        writer.WriteNumber("attempt", node.Attempt);
        writer.WriteNumber("tries", node.Tries);
        writer.WriteNumber("activations", node.Activations);
        WriteOptional(writer, "outcome", node.Outcome);
        if (withOutput)
        {
            WriteOptional(writer, "output", node.Output);
        }
        else if (node.Output is not null)
        {
            writer.WriteBoolean("hasOutput", true);
        }

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

        return ReadRun(root, nodes.ToImmutable()) with { Input = OptionalElement(root, "input") };
    }

    private static RunState ReadRun(JsonElement root, ImmutableArray<NodeRunState> nodes) =>
        new()
        {
            RunId = RequiredString(root, "runId"),
            Seed = Required(root, "seed").GetInt64(),
            Status = Parse<RunStatus>(RequiredString(root, "status")),
            StepsUsed = Required(root, "stepsUsed").GetInt32(),
            Sequence = Required(root, "sequence").GetInt64(),
            TriggerNodeId = OptionalString(root, "trigger"),
            StartedAt = OptionalTime(root, "startedAt"),
            FinishedAt = OptionalTime(root, "finishedAt"),
            Output = OptionalElement(root, "output"),
            Error = root.TryGetProperty("error", out var e)
                ? new RunError(OptionalString(e, "nodeId"), RequiredString(e, "code"), RequiredString(e, "message"))
                : null,
            LoopIterations = [.. Required(root, "loopIterations").EnumerateArray().Select(c => c.GetInt32())],
            Nodes = nodes,
        };

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

/// <summary>One stored row of a node's state in the split form: <see cref="RunStateJson.SerializeNode"/>'s text, and the output when this row set it.</summary>
public sealed record StoredNodeState(string NodeId, string State, string? Output);
