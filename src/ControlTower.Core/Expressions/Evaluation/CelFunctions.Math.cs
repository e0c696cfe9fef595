namespace ControlTower.Core.Expressions;

/// <summary>The cel-go math extension (<c>math.greatest</c>, <c>math.bitAnd</c>, ...).</summary>
internal static partial class CelFunctions
{
    private static object? MathExtension(CallExpr call, string function, object[] all)
    {
        if (!function.StartsWith("math.", StringComparison.Ordinal))
        {
            return null;
        }

        switch (function)
        {
            case "math.greatest":
                return Extreme(call, all, greatest: true);
            case "math.least":
                return Extreme(call, all, greatest: false);
        }

        if (all.Length == 1)
        {
            var x = all[0];
            return (function, x) switch
            {
                ("math.ceil", double d) => Math.Ceiling(d),
                ("math.floor", double d) => Math.Floor(d),
                ("math.round", double d) => Math.Round(d, MidpointRounding.AwayFromZero),
                ("math.trunc", double d) => Math.Truncate(d),
                ("math.abs", long l) => l == long.MinValue ? Overflow(call) : Math.Abs(l),
                ("math.abs", ulong) => x,
                ("math.abs", double d) => Math.Abs(d),
                ("math.sign", long l) => (long)Math.Sign(l),
                ("math.sign", ulong u) => u == 0 ? 0UL : 1UL,
                ("math.sign", double d) => double.IsNaN(d) ? d : (double)Math.Sign(d),
                ("math.isNaN", double d) => double.IsNaN(d),
                ("math.isInf", double d) => double.IsInfinity(d),
                ("math.isFinite", double d) => double.IsFinite(d),
                ("math.bitNot", long l) => ~l,
                ("math.bitNot", ulong u) => ~u,
                ("math.sqrt", double d) => Math.Sqrt(d),
                ("math.sqrt", long l) => Math.Sqrt(l),
                ("math.sqrt", ulong u) => Math.Sqrt(u),
                _ => NoOverload(call, x),
            };
        }

        if (all.Length == 2)
        {
            var (a, b) = (all[0], all[1]);
            return (function, a, b) switch
            {
                ("math.bitAnd", long x, long y) => x & y,
                ("math.bitAnd", ulong x, ulong y) => x & y,
                ("math.bitOr", long x, long y) => x | y,
                ("math.bitOr", ulong x, ulong y) => x | y,
                ("math.bitXor", long x, long y) => x ^ y,
                ("math.bitXor", ulong x, ulong y) => x ^ y,
                ("math.bitShiftLeft" or "math.bitShiftRight", long or ulong, long n) when n < 0 =>
                    new CelError($"math.{function[5..]}() negative offset: {n}", call),
                ("math.bitShiftLeft", long x, long n) => n >= 64 ? 0L : x << (int)n,
                ("math.bitShiftLeft", ulong x, long n) => n >= 64 ? 0UL : x << (int)n,
                ("math.bitShiftRight", long x, long n) => n >= 64 ? 0L : (long)((ulong)x >> (int)n),
                ("math.bitShiftRight", ulong x, long n) => n >= 64 ? 0UL : x >> (int)n,
                _ => NoOverload(call, a, b),
            };
        }

        return NoOverload(call, all);
    }

    private static object Extreme(CallExpr call, object[] all, bool greatest)
    {
        IReadOnlyList<object> values = all.Length == 1 && all[0] is CelList list ? list.Items : all;
        if (values.Count == 0)
        {
            return new CelError($"{call.Function}(): requires at least one argument", call);
        }

        var best = values[0];
        if (best is not (long or ulong or double))
        {
            return NoOverload(call, best);
        }

        for (var i = 1; i < values.Count; i++)
        {
            var candidate = values[i];
            if (candidate is not (long or ulong or double))
            {
                return NoOverload(call, candidate);
            }

            var cmp = CelEquality.Compare(candidate, best);
            if (cmp == int.MinValue)
            {
                best = candidate is double d && double.IsNaN(d) ? candidate : best;
                continue;
            }

            if (greatest ? cmp > 0 : cmp < 0)
            {
                best = candidate;
            }
        }

        return best;
    }
}
