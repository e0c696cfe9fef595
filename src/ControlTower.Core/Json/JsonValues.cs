using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Json;

/// <summary>Reads a scalar out of a JSON node without coercion: a number is never text, and text never a number.</summary>
public static class JsonValues
{
    /// <summary>The string, or null when the node is missing or not a JSON string.</summary>
    public static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>The trimmed string, or null when the node is missing, not a string, or blank.</summary>
    public static string? NonBlankText(JsonNode? node) =>
        Text(node)?.Trim() is { Length: > 0 } text ? text : null;

    /// <summary>The finite number, or null when the node is missing, not a JSON number, NaN or infinite.</summary>
    public static double? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number) && double.IsFinite(number)
            ? number
            : null;
}
