using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Expressions;

/// <summary>
/// Maps JSON to CEL values and back.
/// <para>JSON to CEL: <c>null</c> → null; <c>true/false</c> → bool; a number written without fraction or exponent
/// that fits int64 → int, any other number → double; string → string (never parsed as a timestamp: call
/// <c>timestamp(x)</c>); array → list; object → map with string keys.</para>
/// <para>CEL to JSON (lossless for every value; the CEL type of a string-encoded value is not kept):
/// null → <c>null</c>; bool → bool; int and uint → JSON number when |v| ≤ 2^53, otherwise a decimal string
/// (e.g. <c>"9223372036854775807"</c>); double → number, or the strings <c>"NaN"</c>, <c>"Infinity"</c>,
/// <c>"-Infinity"</c>; string → string; bytes → standard base64 string with padding; list → array;
/// map → object whose keys are strings (<c>"1"</c> for int/uint keys, <c>"true"</c>/<c>"false"</c> for bool keys);
/// timestamp → RFC 3339 UTC string with 0, 3, 6 or 9 fraction digits (<c>"2024-01-02T03:04:05.5Z"</c> is written
/// <c>"2024-01-02T03:04:05.500Z"</c>); duration → seconds with suffix s (<c>"1.5s"</c>, <c>"-0.000000001s"</c>);
/// type → its CEL name (<c>"int"</c>); optional → its value, or null when empty.</para>
/// </summary>
internal static class CelJson
{
    private const long MaxSafeInteger = 9007199254740992; // 2^53

    public static object FromJson(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return CelNull.Value;
            case JsonObject obj:
                return CelMap.FromJson(obj);
            case JsonArray array:
                return array.Count == 0 ? CelList.Empty : new CelList(new JsonBackedList(array));
            case JsonValue value:
                return FromJsonValue(value);
            default:
                return CelNull.Value;
        }
    }

    private static object FromJsonValue(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String:
                return value.GetValue<string>();
            case JsonValueKind.Number:
                if (value.TryGetValue<long>(out var l))
                {
                    return l;
                }

                if (value.TryGetValue<int>(out var i))
                {
                    return (long)i;
                }

                if (value.TryGetValue<double>(out var d))
                {
                    return IsIntegralText(value) && d >= -9.2e18 && d <= 9.2e18 ? (long)d : d;
                }

                return double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
            default:
                return CelNull.Value;
        }
    }

    private static bool IsIntegralText(JsonValue value)
    {
        var text = value.ToJsonString();
        return !text.Contains('.', StringComparison.Ordinal) && !text.Contains('e', StringComparison.OrdinalIgnoreCase);
    }

    public static JsonNode? ToJson(object value) => value switch
    {
        CelNull => null,
        bool b => JsonValue.Create(b),
        long l => l is >= -MaxSafeInteger and <= MaxSafeInteger ? JsonValue.Create(l) : JsonValue.Create(l.ToString(CultureInfo.InvariantCulture)),
        ulong u => u <= MaxSafeInteger ? JsonValue.Create(u) : JsonValue.Create(u.ToString(CultureInfo.InvariantCulture)),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity"),
        string s => JsonValue.Create(s),
        CelBytes bytes => JsonValue.Create(Convert.ToBase64String(bytes.Data)),
        CelList list => new JsonArray(list.Items.Select(ToJson).ToArray()),
        CelMap map => ToJsonObject(map),
        CelTimestamp t => JsonValue.Create(t.ToString()),
        CelDuration d => JsonValue.Create(d.ToString()),
        CelType t => JsonValue.Create(t.Name),
        CelOptional o => o.HasValue ? ToJson(o.Value!) : null,
        _ => JsonValue.Create(value.ToString()),
    };

    private static JsonObject ToJsonObject(CelMap map)
    {
        var obj = new JsonObject();
        foreach (var entry in map.Entries)
        {
            obj[CelFunctions.Display(entry.Key)] = ToJson(entry.Value);
        }

        return obj;
    }
}

/// <summary>
/// Variables from a JSON object; values are converted on first use only (objects and arrays lazily, field by field).
/// The activation must not be mutated while an evaluation runs.
/// </summary>
internal sealed class JsonActivation : CelActivation
{
    private readonly JsonObject _json;
    private Dictionary<string, object>? _converted;

    public JsonActivation(JsonObject json) => _json = json;

    public override bool TryResolve(string name, out object value)
    {
        if (_converted is not null && _converted.TryGetValue(name, out value!))
        {
            return true;
        }

        if (!_json.TryGetPropertyValue(name, out var node))
        {
            value = CelNull.Value;
            return false;
        }

        value = CelJson.FromJson(node);
        (_converted ??= new Dictionary<string, object>(StringComparer.Ordinal))[name] = value;
        return true;
    }
}
