namespace ControlTower.Core.Expressions;

/// <summary>
/// Message construction for the protobuf well-known wrapper types, which CEL treats as their plain values
/// (<c>google.protobuf.Int32Value{value: 1}</c> is <c>1</c>). Other message types are not supported.
/// </summary>
internal static class CelWellKnown
{
    public static object Construct(StructExpr st, IReadOnlyDictionary<string, object> fields)
    {
        var name = st.TypeName.TrimStart('.');
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

        foreach (var key in fields.Keys)
        {
            if (key != "value")
            {
                return new CelError($"no such field '{key}' in {name}", st);
            }
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
}
