using System.Globalization;
using System.Text;

namespace ControlTower.Core.Expressions;

/// <summary>The standard library: operators, size/contains/..., conversions; dispatch by name and runtime types.</summary>
internal static partial class CelFunctions
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly HashSet<string> Namespaced =
    [
        "optional.of", "optional.none", "optional.ofNonZeroValue",
        "math.greatest", "math.least", "math.ceil", "math.floor", "math.round", "math.trunc", "math.abs", "math.sign",
        "math.isInf", "math.isNaN", "math.isFinite", "math.bitAnd", "math.bitOr", "math.bitXor", "math.bitNot",
        "math.bitShiftLeft", "math.bitShiftRight", "math.sqrt",
        "strings.quote", "base64.encode", "base64.decode",
    ];

    public static bool IsNamespacedFunction(string name) => Namespaced.Contains(name);

    public static CelType TypeOf(object value) => value switch
    {
        long => CelType.Int,
        ulong => CelType.Uint,
        double => CelType.Double,
        bool => CelType.Bool,
        string => CelType.String,
        CelBytes => CelType.Bytes,
        CelNull => CelType.Null,
        CelList => CelType.List,
        CelMap => CelType.Map,
        CelTimestamp => CelType.Timestamp,
        CelDuration => CelType.Duration,
        CelType => CelType.Type,
        CelOptional => CelType.Optional,
        _ => new CelType("error"),
    };

    public static CelError NoOverload(CelExpr expr, params object?[] args)
    {
        var name = expr switch
        {
            CallExpr call => call.Function,
            ComprehensionExpr comp => comp.MacroName,
            _ => "expression",
        };
        var types = string.Join(", ", args.Select(a => a is null ? "none" : TypeOf(a).Name));
        var hint = name is "_+_" or "_-_" or "_*_" or "_/_" or "_%_" && args.Any(a => a is double) && args.Any(a => a is long or ulong)
            ? " (CEL does not mix int and double in arithmetic: convert one side with double(...) or int(...))"
            : "";
        return new CelError($"no such overload: '{name}' applied to ({types}){hint}", expr);
    }

    public static object Call(CelInterpreter interp, CallExpr call, string function, object? target, object[] args)
    {
        if (target is null)
        {
            switch (args.Length)
            {
                case 1:
                    return Unary(interp, call, function, args[0]);
                case 2:
                    return Binary(interp, call, function, args[0], args[1]);
            }
        }

        return Member(interp, call, function, target, args) ?? Extension(interp, call, function, target, args) ?? NoOverload(call, Prepend(target, args));
    }

    private static object?[] Prepend(object? target, object[] args) =>
        target is null ? args : [target, .. args];

    private static object Unary(CelInterpreter interp, CallExpr call, string function, object x) => function switch
    {
        "!_" => x is bool b ? !b : NoOverload(call, x),
        "-_" => x switch
        {
            long l => l == long.MinValue ? Overflow(call) : -l,
            double d => -d,
            _ => NoOverload(call, x),
        },
        "size" => Size(call, x),
        "int" => ToInt(call, x),
        "uint" => ToUint(call, x),
        "double" => ToDouble(call, x),
        "string" => ToStringValue(call, x),
        "bytes" => x switch
        {
            string s => new CelBytes(Encoding.UTF8.GetBytes(s)),
            CelBytes => x,
            _ => NoOverload(call, x),
        },
        "bool" => ToBool(call, x),
        "timestamp" => CelTime.ToTimestamp(call, x),
        "duration" => CelTime.ToDuration(call, x),
        "dyn" => x,
        "type" => TypeOf(x),
        _ => Member(interp, call, function, null, [x]) ?? Extension(interp, call, function, null, [x]) ?? NoOverload(call, x),
    };

    internal static object Binary(CelInterpreter interp, CallExpr call, string function, object a, object b)
    {
        if (function is "_==_" or "_!=_" or "_<_" or "_<=_" or "_>_" or "_>=_")
        {
            interp.ChargeFor(call, b);
            interp.ChargeFor(call, a);
        }
        else if (function == "@in" && b is CelList)
        {
            // A list is searched linearly; a map key lookup is constant time and costs nothing extra.
            interp.ChargeFor(call, b);
        }

        return BinaryOperator(interp, call, function, a, b);
    }

    private static object BinaryOperator(CelInterpreter interp, CallExpr call, string function, object a, object b) => function switch
    {
        "_==_" => CelBox.Of(CelEquality.AreEqual(a, b)),
        "_!=_" => CelBox.Of(!CelEquality.AreEqual(a, b)),
        "_<_" => Relation(call, a, b, c => c < 0),
        "_<=_" => Relation(call, a, b, c => c <= 0),
        "_>_" => Relation(call, a, b, c => c > 0),
        "_>=_" => Relation(call, a, b, c => c >= 0),
        "_+_" => Add(interp, call, a, b),
        "_-_" => Subtract(call, a, b),
        "_*_" => Multiply(call, a, b),
        "_/_" => Divide(call, a, b),
        "_%_" => Modulo(call, a, b),
        "@in" => In(call, a, b),
        "_[_]" => Index(call, a, b, optional: false),
        "_[?_]" => Index(call, a, b, optional: true),
        _ => Member(interp, call, function, null, [a, b]) ?? Extension(interp, call, function, null, [a, b]) ?? NoOverload(call, a, b),
    };

    /// <summary>Functions callable as <c>x.f(...)</c> (and, for a few, as <c>f(x, ...)</c>).</summary>
    private static object? Member(CelInterpreter interp, CallExpr call, string function, object? target, object[] args)
    {
        var all = target is null ? args : [target, .. args];
        if (all.Length == 0)
        {
            return null;
        }

        // String functions scan their inputs; every extension call also passes through here first.
        foreach (var arg in all)
        {
            if (arg is string or CelBytes)
            {
                interp.ChargeFor(call, arg);
            }
        }

        var self = all[0];
        return (function, all.Length) switch
        {
            ("size", 1) => Size(call, self),
            ("contains", 2) when self is string s && all[1] is string sub => s.Contains(sub, StringComparison.Ordinal),
            ("startsWith", 2) when self is string s && all[1] is string p => s.StartsWith(p, StringComparison.Ordinal),
            ("endsWith", 2) when self is string s && all[1] is string p => s.EndsWith(p, StringComparison.Ordinal),
            ("matches", 2) when self is string s && all[1] is string re => CelRegex.Matches(interp.Options, call, s, re),
            (_, 1 or 2) when self is CelTimestamp or CelDuration && function.StartsWith("get", StringComparison.Ordinal) =>
                CelTime.Accessor(call, function, self, all.Length == 2 ? all[1] : null),
            _ => null,
        };
    }

    private static CelError Overflow(CelExpr call) => new("return error for overflow", call);

    private static object Size(CelExpr call, object x) => x switch
    {
        string s => (long)CodePointCount(s),
        CelBytes b => (long)b.Length,
        CelList l => (long)l.Count,
        CelMap m => (long)m.Count,
        _ => NoOverload(call, x),
    };

    public static int CodePointCount(string s)
    {
        var count = s.Length;
        foreach (var c in s)
        {
            if (char.IsLowSurrogate(c))
            {
                count--;
            }
        }

        return count;
    }

    private static object Relation(CallExpr call, object a, object b, Func<int, bool> test)
    {
        var cmp = CelEquality.Compare(a, b);
        return cmp switch
        {
            null => NoOverload(call, a, b),
            int.MinValue => CelBox.False, // NaN involved: every ordering is false.
            _ => CelBox.Of(test(cmp.Value)),
        };
    }

    private static object Add(CelInterpreter interp, CallExpr call, object a, object b)
    {
        try
        {
            switch (a, b)
            {
                case (long x, long y): return checked(x + y);
                case (ulong x, ulong y): return checked(x + y);
                case (double x, double y): return x + y;
                case (string x, string y):
                    interp.CheckStringSize(call, x.Length + y.Length);
                    return x + y;
                case (CelBytes x, CelBytes y):
                    interp.CheckStringSize(call, x.Length + y.Length);
                    return new CelBytes([.. x.Data, .. y.Data]);
                case (CelList x, CelList y):
                    if (x.Count == 0)
                    {
                        return y;
                    }

                    if (y.Count == 0)
                    {
                        return x;
                    }

                    interp.CheckCollectionSize(call, x.Count + y.Count);
                    var joined = new CelList([.. x.Items, .. y.Items]) { Size = CelSize.Of(x).Plus(CelSize.Of(y)) };
                    return interp.CheckOutput(call, joined);
                case (CelTimestamp t, CelDuration d): return CelTime.Timestamp(call, t.Nanos + d.Nanos);
                case (CelDuration d, CelTimestamp t): return CelTime.Timestamp(call, t.Nanos + d.Nanos);
                case (CelDuration x, CelDuration y): return new CelDuration(checked(x.Nanos + y.Nanos));
            }
        }
        catch (OverflowException)
        {
            return a is CelDuration ? new CelError("duration out of range", call) : Overflow(call);
        }

        return NoOverload(call, a, b);
    }

    private static object Subtract(CallExpr call, object a, object b)
    {
        try
        {
            switch (a, b)
            {
                case (long x, long y): return checked(x - y);
                case (ulong x, ulong y): return checked(x - y);
                case (double x, double y): return x - y;
                case (CelTimestamp x, CelTimestamp y):
                    var diff = x.Nanos - y.Nanos;
                    return diff > long.MaxValue || diff < long.MinValue
                        ? new CelError("duration out of range", call)
                        : new CelDuration((long)diff);
                case (CelTimestamp t, CelDuration d): return CelTime.Timestamp(call, t.Nanos - d.Nanos);
                case (CelDuration x, CelDuration y): return new CelDuration(checked(x.Nanos - y.Nanos));
            }
        }
        catch (OverflowException)
        {
            return a is CelDuration ? new CelError("duration out of range", call) : Overflow(call);
        }

        return NoOverload(call, a, b);
    }

    private static object Multiply(CallExpr call, object a, object b)
    {
        try
        {
            return (a, b) switch
            {
                (long x, long y) => checked(x * y),
                (ulong x, ulong y) => checked(x * y),
                (double x, double y) => x * y,
                _ => NoOverload(call, a, b),
            };
        }
        catch (OverflowException)
        {
            return Overflow(call);
        }
    }

    private static object Divide(CallExpr call, object a, object b) => (a, b) switch
    {
        (long, 0L) or (ulong, 0UL) => new CelError("divide by zero", call),
        (long x, long y) => x == long.MinValue && y == -1 ? Overflow(call) : x / y,
        (ulong x, ulong y) => x / y,
        (double x, double y) => x / y,
        _ => NoOverload(call, a, b),
    };

    private static object Modulo(CallExpr call, object a, object b) => (a, b) switch
    {
        (long, 0L) or (ulong, 0UL) => new CelError("modulus by zero", call),
        (long x, long y) => x == long.MinValue && y == -1 ? Overflow(call) : x % y,
        (ulong x, ulong y) => x % y,
        _ => NoOverload(call, a, b),
    };

    private static object In(CallExpr call, object element, object container)
    {
        switch (container)
        {
            case CelList list:
                foreach (var item in list.Items)
                {
                    if (CelEquality.AreEqual(element, item))
                    {
                        return true;
                    }
                }

                return false;
            case CelMap map:
                return map.TryGet(element, out _);
            default:
                return NoOverload(call, element, container);
        }
    }

    private static object Index(CallExpr call, object operand, object index, bool optional)
    {
        if (operand is CelOptional opt)
        {
            if (!opt.HasValue)
            {
                return CelOptional.None;
            }

            operand = opt.Value!;
            optional = true;
        }

        switch (operand)
        {
            case CelList list:
                long i;
                switch (index)
                {
                    case long l: i = l; break;
                    case ulong u: i = u > long.MaxValue ? long.MaxValue : (long)u; break;
                    case double d when CelNumeric.TryIntegral(d, out var integral) && integral is long li: i = li; break;
                    case double: return new CelError($"invalid list index: {index}", call);
                    default: return NoOverload(call, operand, index);
                }

                if (i < 0 || i >= list.Count)
                {
                    return optional ? CelOptional.None : new CelError($"index out of range: {i}", call);
                }

                return optional ? new CelOptional(list.Items[(int)i]) : list.Items[(int)i];
            case CelMap map:
                if (map.TryGet(index, out var value))
                {
                    return optional ? new CelOptional(value) : value;
                }

                return optional ? CelOptional.None : new CelError($"no such key: {Display(index)}", call);
            default:
                return NoOverload(call, operand, index);
        }
    }

    public static string Display(object value) => value switch
    {
        string s => s,
        double d => CelNumeric.FormatDouble(d),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static object ToInt(CallExpr call, object x)
    {
        switch (x)
        {
            case long:
                return x;
            case ulong u:
                return u > long.MaxValue ? new CelError("range error: uint too large for int", call) : (long)u;
            case double d:
                if (double.IsNaN(d) || d <= -9.223372036854775808e18 || d >= 9.223372036854775807e18)
                {
                    return new CelError("range error: double out of int range", call);
                }

                return (long)d;
            case string s:
                return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                    ? l
                    : new CelError($"cannot convert '{s}' to int", call);
            case CelTimestamp t:
                return t.Seconds;
            default:
                return NoOverload(call, x);
        }
    }

    private static object ToUint(CallExpr call, object x)
    {
        switch (x)
        {
            case ulong:
                return x;
            case long l:
                return l < 0 ? new CelError("range error: negative int to uint", call) : (ulong)l;
            case double d:
                if (double.IsNaN(d) || d < 0 || d >= 1.8446744073709551616e19)
                {
                    return new CelError("range error: double out of uint range", call);
                }

                return (ulong)d;
            case string s:
                return ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
                    ? u
                    : new CelError($"cannot convert '{s}' to uint", call);
            default:
                return NoOverload(call, x);
        }
    }

    private static object ToDouble(CallExpr call, object x) => x switch
    {
        double => x,
        long l => (double)l,
        ulong u => (double)u,
        string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d
            : new CelError($"cannot convert '{s}' to double", call),
        _ => NoOverload(call, x),
    };

    private static object ToStringValue(CallExpr call, object x)
    {
        switch (x)
        {
            case string:
                return x;
            case long l:
                return l.ToString(CultureInfo.InvariantCulture);
            case ulong u:
                return u.ToString(CultureInfo.InvariantCulture);
            case double d:
                return CelNumeric.FormatDouble(d);
            case bool b:
                return b ? "true" : "false";
            case CelBytes bytes:
                try
                {
                    return StrictUtf8.GetString(bytes.Data);
                }
                catch (DecoderFallbackException)
                {
                    return new CelError("invalid UTF-8 in bytes to string conversion", call);
                }

            case CelTimestamp t:
                return t.ToString();
            case CelDuration d:
                return d.ToString();
            default:
                return NoOverload(call, x);
        }
    }

    private static object ToBool(CallExpr call, object x) => x switch
    {
        bool => x,
        string s => s switch
        {
            "1" or "t" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "false" or "FALSE" or "False" => false,
            _ => new CelError($"Type conversion error: cannot convert '{s}' to bool", call),
        },
        _ => NoOverload(call, x),
    };
}
