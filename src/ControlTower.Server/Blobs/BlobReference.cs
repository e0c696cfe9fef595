using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Server.Blobs;

/// <summary>
/// What a row holds instead of a large payload: <c>{"$blob": {"sha256": "…", "size": 123456, "mediaType": "application/json"}}</c>.
/// The marker is a whole value (a run input, a node output), never a part of one, so readers look for it only there.
/// </summary>
internal sealed record BlobReference(BlobKey Key, long Size, string MediaType)
{
    public const string Marker = "$blob";
    public const string Json = "application/json";

    public JsonObject ToJson() => new()
    {
        [Marker] = new JsonObject { ["sha256"] = Key.Hex, ["size"] = Size, ["mediaType"] = MediaType },
    };

    public JsonElement ToElement() => JsonSerializer.SerializeToElement(ToJson());

    public static BlobReference? From(JsonNode? value) =>
        value is JsonObject { Count: 1 } obj && obj[Marker] is JsonObject body
            && BlobKey.TryParse(body["sha256"] is JsonValue h && h.TryGetValue<string>(out var hex) ? hex : null, out var key)
            && body["size"] is JsonValue s && s.TryGetValue<long>(out var size)
            && body["mediaType"] is JsonValue m && m.TryGetValue<string>(out var mediaType)
            ? new BlobReference(key, size, mediaType)
            : null;

    public static BlobReference? From(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(Marker, out _)
            ? From(JsonNode.Parse(element.GetRawText()))
            : null;
}
