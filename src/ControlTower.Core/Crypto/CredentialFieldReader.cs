using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Crypto;

/// <summary>
/// Reads the JSON structure of one credential data object: that it is an object, has no unknown
/// fields, and that fields have JSON types the shape expects. What the values must look like is
/// checked by the shape's constructor (<see cref="CredentialChecks"/>). Problems become
/// <c>credential.data_invalid</c> naming the field path; values are never put in a message.
/// </summary>
internal sealed class CredentialFieldReader
{
    private readonly JsonObject _object;

    public CredentialFieldReader(JsonNode? node, params string[] allowedFields)
    {
        _object = node as JsonObject ?? throw CredentialException.DataInvalid("data", "must be a JSON object");
        foreach (var (name, _) in _object)
        {
            if (!allowedFields.Contains(name, StringComparer.Ordinal))
            {
                throw CredentialException.DataInvalid(Field(name), "unknown field; allowed: " + string.Join(", ", allowedFields));
            }
        }
    }

    public static string Field(string name) => "data." + name;

    /// <summary>The string, or null when absent (the shape decides whether that is allowed).</summary>
    public string? String(string name) => _object[name] is { } node ? AsString(Field(name), node) : null;

    public IReadOnlyList<string>? StringArray(string name) => _object[name] switch
    {
        null => null,
        JsonArray array => [.. array.Select((item, i) => AsString($"{Field(name)}[{i}]", item))],
        _ => throw CredentialException.DataInvalid(Field(name), "must be an array of strings"),
    };

    /// <summary>An object of string values, or null when absent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? StringMap(string name) => _object[name] switch
    {
        null => null,
        JsonObject map => [.. map.Select(e => KeyValuePair.Create(e.Key, AsString($"{Field(name)}.{e.Key}", e.Value)))],
        _ => throw CredentialException.DataInvalid(Field(name), "must be a JSON object of strings"),
    };

    private static string AsString(string field, JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw CredentialException.DataInvalid(field, "must be a string");
}
