using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Scheduling;
using ControlTower.Server.Nodes;

namespace ControlTower.Server.Runs;

/// <summary>
/// A node-execution record's input (<c>node_executions.Input</c>) by reference to the values stored beside it, instead of a
/// copy of every upstream output (which made a chain's records grow with the square of its length). An attempt run inline
/// in a stretch stores
/// <code>
/// { "ref": "ct.node-input/1",
///   "nodes": { "&lt;id&gt;": 3,                                          // the outcome and output of this node's record of attempt 3
///              "&lt;trigger&gt;": { "outcome": "success", "from": "input" }, // the run's input (runs.Input)
///              "&lt;other&gt;": { "outcome": "success", "output": ... },    // a copy, when no stored value has its exact text
///              "&lt;failed&gt;": { "outcome": "error", "error": { ... } } },
///   "run": { ... }, "node": { ... } }
/// </code>
/// and the activation's <c>input</c> is always the run's input. A reference is written only to a value whose stored text is
/// byte for byte the text the activation holds (and, for a record, whose outcome is the one the activation holds): an output
/// of a record written in the same commit (an attempt earlier in the same stretch) or the run input. <see cref="Resolve"/>
/// rebuilds exactly the activation <see cref="NodeActivation.WriteTo"/> writes; a record without <c>ref</c> (an intent's, or
/// one stored before) is the activation itself.
/// </summary>
internal static class NodeInputRecords
{
    public const string Format = "ct.node-input/1";

    /// <summary>The results of records written in this commit so far, by node id: their attempt, outcome and stored output.</summary>
    internal sealed class Produced
    {
        private readonly Dictionary<string, (int Attempt, string Outcome, JsonElement Output)> _byNode = new(StringComparer.Ordinal);

        public void Record(string nodeId, int attempt, NodeResult result)
        {
            if (result is NodeResult.Completed { Stored: { } stored } completed)
            {
                _byNode[nodeId] = (attempt, completed.Outcome, stored);
            }
            else
            {
                _byNode.Remove(nodeId);
            }
        }

        /// <summary>The attempt whose record holds this outcome and, byte for byte, this output.</summary>
        public int? AttemptHolding(string nodeId, string outcome, JsonElement output) =>
            _byNode.TryGetValue(nodeId, out var produced) && produced.Outcome == outcome && SameText(produced.Output, output) ? produced.Attempt : null;
    }

    public static string Write(NodeActivation activation, Produced produced) =>
        EventJson.Write((activation, produced), static (writer, state) =>
        {
            var (activation, produced) = state;
            writer.WriteStartObject();
            writer.WriteString("ref", Format);
            writer.WriteStartObject("nodes");
            foreach (var upstream in activation.Upstream)
            {
                if (upstream.Error is null && upstream.Output is { } output
                    && produced.AttemptHolding(upstream.NodeId, upstream.Outcome, output) is { } attempt)
                {
                    writer.WriteNumber(upstream.NodeId, attempt);
                    continue;
                }

                writer.WriteStartObject(upstream.NodeId);
                writer.WriteString("outcome", upstream.Outcome);
                if (upstream.Error is null && upstream.Output is { } same && activation.Input is { } input && SameText(same, input))
                {
                    writer.WriteString("from", "input");
                }
                else
                {
                    NodeActivation.WriteResult(writer, upstream);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            activation.WriteRunAndNode(writer);
            writer.WriteEndObject();
        });

    /// <summary>
    /// The record's input as the node saw it: a reference document resolved against the run's input text and the run's
    /// records (their output text by node id and attempt); any other text parsed as it is.
    /// </summary>
    public static JsonNode? Resolve(string? stored, string? runInput, IReadOnlyDictionary<(string NodeId, int Attempt), (string? Outcome, string? Output)> records)
    {
        var parsed = stored is null ? null : JsonNode.Parse(stored);
        if (parsed is not JsonObject document || document["ref"] is not JsonValue format || format.GetValueKind() != JsonValueKind.String
            || format.GetValue<string>() != Format)
        {
            return parsed;
        }

        var nodes = new JsonObject();
        foreach (var (nodeId, entry) in document["nodes"]!.AsObject())
        {
            nodes[nodeId] = entry is JsonValue attempt
                ? FromRecord(records.GetValueOrDefault((nodeId, attempt.GetValue<int>())))
                : FromEntry(entry!.AsObject(), runInput);
        }

        return new JsonObject
        {
            ["input"] = Parse(runInput),
            ["nodes"] = nodes,
            ["run"] = document["run"]?.DeepClone(),
            ["node"] = document["node"]?.DeepClone(),
        };
    }

    private static JsonObject FromRecord((string? Outcome, string? Output) record) =>
        new() { ["outcome"] = record.Outcome, ["output"] = Parse(record.Output) };

    private static JsonObject FromEntry(JsonObject entry, string? runInput)
    {
        var result = new JsonObject { ["outcome"] = entry["outcome"]?.DeepClone() };
        if (entry["error"] is { } error)
        {
            result["error"] = error.DeepClone();
        }
        else
        {
            result["output"] = entry.ContainsKey("from") ? Parse(runInput) : entry["output"]?.DeepClone();
        }

        return result;
    }

    private static JsonNode? Parse(string? text) => text is null ? null : JsonNode.Parse(text);

    private static bool SameText(JsonElement a, JsonElement b) =>
        JsonMarshal.GetRawUtf8Value(a).SequenceEqual(JsonMarshal.GetRawUtf8Value(b));
}
