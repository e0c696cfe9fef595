using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Schemas;

/// <summary>
/// Draft-04's boolean <c>exclusiveMinimum</c>/<c>exclusiveMaximum</c> (beside <c>minimum</c>/<c>maximum</c>), still
/// written by older tool servers, rewritten to the numeric form every later draft uses. Only objects whose bound is a
/// number are touched, so a property that happens to be named <c>exclusiveMinimum</c> stays what it is.
/// </summary>
internal static class DraftFourBounds
{
    public static JsonNode Rewrite(JsonNode schema)
    {
        if (!Uses(schema))
        {
            return schema;
        }

        var copy = schema.DeepClone();
        Apply(copy);
        return copy;
    }

    private static bool Uses(JsonNode? node) => node switch
    {
        JsonObject obj => IsDraftFour(obj, "exclusiveMinimum", "minimum") || IsDraftFour(obj, "exclusiveMaximum", "maximum")
            || obj.Any(p => Uses(p.Value)),
        JsonArray array => array.Any(Uses),
        _ => false,
    };

    private static void Apply(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                Fix(obj, "exclusiveMinimum", "minimum");
                Fix(obj, "exclusiveMaximum", "maximum");
                foreach (var child in obj.Select(p => p.Value).ToList())
                {
                    Apply(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Apply(child);
                }

                break;
        }
    }

    private static bool IsDraftFour(JsonObject obj, string exclusive, string bound) =>
        obj[exclusive] is JsonValue flag && flag.GetValueKind() is JsonValueKind.True or JsonValueKind.False
        && obj[bound] is JsonValue limit && limit.GetValueKind() is JsonValueKind.Number;

    private static void Fix(JsonObject obj, string exclusive, string bound)
    {
        if (!IsDraftFour(obj, exclusive, bound))
        {
            return;
        }

        if (obj[exclusive]!.GetValueKind() is JsonValueKind.True)
        {
            obj[exclusive] = obj[bound]!.DeepClone();
            obj.Remove(bound);
        }
        else
        {
            obj.Remove(exclusive);
        }
    }
}
