namespace ControlTower.Core.Expressions;

/// <summary>
/// Message construction for the protobuf well-known types CEL treats as plain values: wrappers
/// (<c>google.protobuf.Int32Value{value: 1}</c> is <c>1</c>) and the JSON types Value, Struct and ListValue.
/// Other message types are not supported (an error value).
/// </summary>
internal static class CelWellKnown
{
    private static readonly HashSet<string> Known =
    [
        "google.protobuf.Int32Value", "google.protobuf.Int64Value", "google.protobuf.UInt32Value", "google.protobuf.UInt64Value",
        "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.BoolValue", "google.protobuf.StringValue",
        "google.protobuf.BytesValue", "google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.ListValue",
    ];

    /// <summary>The full name of a message type written in the source, resolved against the container prefixes.</summary>
    public static string Resolve(string typeName, IEnumerable<string> containerPrefixes)
    {
        if (typeName.StartsWith('.'))
        {
            return typeName[1..];
        }

        return containerPrefixes.Select(p => p + typeName).FirstOrDefault(Known.Contains) ?? typeName;
    }

    public static object Construct(StructExpr st, string name, IReadOnlyDictionary<string, object> fields)
    {
        switch (name)
        {
            case "google.protobuf.Value":
                return ConstructValue(st, fields);
            case "google.protobuf.Struct":
                return OnlyField(st, name, fields, "fields") ?? (fields.TryGetValue("fields", out var map) ? map is CelMap ? map : CelFunctions.NoOverload(st, map) : CelMap.Empty);
            case "google.protobuf.ListValue":
                return OnlyField(st, name, fields, "values") ?? (fields.TryGetValue("values", out var list) ? list is CelList ? list : CelFunctions.NoOverload(st, list) : CelList.Empty);
        }

        object? zero = name switch
        {
            "google.protobuf.Int32Value" or "google.protobuf.Int64Value" => 0L,
            "google.protobuf.UInt32Value" or "google.protobuf.UInt64Value" => 0UL,
            "google.protobuf.DoubleValue" or "google.protobuf.FloatValue" => 0.0,
            "google.protobuf.BoolValue" => false,
            "google.protobuf.StringValue" => "",
            "google.protobuf.BytesValue" => CelBytes.Empty,
            _ => null,
        };
        if (zero is null)
        {
            return new CelError($"unknown message type '{name}'", st);
        }

        if (OnlyField(st, name, fields, "value") is { } unknownField)
        {
            return unknownField;
        }

        if (!fields.TryGetValue("value", out var value))
        {
            return zero;
        }

        if (value.GetType() != zero.GetType())
        {
            return CelFunctions.NoOverload(st, value);
        }

        return name switch
        {
            "google.protobuf.Int32Value" when value is long l && (l < int.MinValue || l > int.MaxValue) => new CelError("range error", st),
            "google.protobuf.UInt32Value" when value is ulong u && u > uint.MaxValue => new CelError("range error", st),
            "google.protobuf.FloatValue" when value is double d => (double)(float)d,
            _ => value,
        };
    }

    private static CelError? OnlyField(StructExpr st, string name, IReadOnlyDictionary<string, object> fields, string allowed) =>
        fields.Keys.FirstOrDefault(k => k != allowed) is { } other ? new CelError($"no such field '{other}' in {name}", st) : null;

    /// <summary>google.protobuf.Value: exactly one kind field; unset means null.</summary>
    private static object ConstructValue(StructExpr st, IReadOnlyDictionary<string, object> fields)
    {
        if (fields.Count == 0)
        {
            return CelNull.Value;
        }

        if (fields.Count > 1)
        {
            return new CelError("google.protobuf.Value takes one kind field", st);
        }

        var (kind, value) = fields.Single();
        return (kind, value) switch
        {
            ("null_value", _) => CelNull.Value,
            ("number_value", double) => value,
            ("number_value", long l) => (double)l,
            ("string_value", string) => value,
            ("bool_value", bool) => value,
            ("struct_value", CelMap) => value,
            ("list_value", CelList) => value,
            ("null_value" or "number_value" or "string_value" or "bool_value" or "struct_value" or "list_value", _) => CelFunctions.NoOverload(st, value),
            _ => new CelError($"no such field '{kind}' in google.protobuf.Value", st),
        };
    }
}
