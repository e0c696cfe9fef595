namespace ControlTower.Core.Expressions;

internal static partial class CelFunctions
{
    /// <summary>Extension libraries (optionals, strings, math); null when no overload matches.</summary>
    private static object? Extension(CelInterpreter interp, CallExpr call, string function, object? target, object[] args)
    {
        object[] all = target is null ? args : [target, .. args];
        return Optional(call, function, all) ?? StringExtension(interp, call, function, all) ?? MathExtension(call, function, all);
    }

    private static object? Optional(CallExpr call, string function, object[] all)
    {
        return (function, all.Length) switch
        {
            ("optional.of", 1) => new CelOptional(all[0]),
            ("optional.none", 0) => CelOptional.None,
            ("optional.ofNonZeroValue", 1) => IsZero(all[0]) ? CelOptional.None : new CelOptional(all[0]),
            ("hasValue", 1) when all[0] is CelOptional o => o.HasValue,
            ("value", 1) when all[0] is CelOptional o => o.HasValue ? o.Value! : new CelError("optional.none() dereference", call),
            ("orValue", 2) when all[0] is CelOptional o => o.HasValue ? o.Value! : all[1],
            ("or", 2) when all[0] is CelOptional o && all[1] is CelOptional other => o.HasValue ? o : other,
            _ => null,
        };
    }

    private static bool IsZero(object value) => value switch
    {
        long l => l == 0,
        ulong u => u == 0,
        double d => d == 0,
        bool b => !b,
        string s => s.Length == 0,
        CelBytes b => b.Length == 0,
        CelList l => l.Count == 0,
        CelMap m => m.Count == 0,
        CelNull => true,
        CelTimestamp t => t.Nanos == 0,
        CelDuration d => d.Nanos == 0,
        CelOptional o => !o.HasValue,
        _ => false,
    };
}
