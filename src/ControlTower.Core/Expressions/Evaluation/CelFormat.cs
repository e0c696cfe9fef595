using System.Globalization;
using System.Text;

namespace ControlTower.Core.Expressions;

/// <summary><c>"...".format([args])</c> of the strings extension: %s %d %f %e %x %X %o %b and %%, with optional precision.</summary>
internal static class CelFormat
{
    public static object Format(CelInterpreter interp, CallExpr call, string format, CelList args)
    {
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }

            if (++i >= format.Length)
            {
                return new CelError("error during formatting: unterminated format clause", call);
            }

            if (format[i] == '%')
            {
                sb.Append('%');
                continue;
            }

            int? precision = null;
            if (format[i] == '.')
            {
                var start = ++i;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                {
                    i++;
                }

                precision = i > start ? int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture) : 0;
                if (i >= format.Length)
                {
                    return new CelError("error during formatting: unterminated format clause", call);
                }
            }

            if (next >= args.Count)
            {
                return new CelError($"index {next} out of range", call);
            }

            var formatted = Clause(format[i], precision, args.Items[next++]);
            if (formatted is CelError error)
            {
                return new CelError(error.Message, call);
            }

            sb.Append((string)formatted);
            interp.CheckStringSize(call, sb.Length);
        }

        return sb.ToString();
    }

    private static object Clause(char verb, int? precision, object arg)
    {
        var typeName = CelFunctions.TypeOf(arg).Name;
        switch (verb)
        {
            case 's':
                return (object?)AsString(arg) ?? Fail("string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps", typeName);
            case 'd':
                return arg switch
                {
                    long l => l.ToString(CultureInfo.InvariantCulture),
                    ulong u => u.ToString(CultureInfo.InvariantCulture),
                    double d when !double.IsFinite(d) => SpecialDouble(d),
                    _ => Fail("decimal clause can only be used on integers", typeName),
                };
            case 'f':
                return ToDouble(arg) is { } f ? Fixed(f, precision ?? 6) : Fail("fixed-point clause can only be used on doubles", typeName);
            case 'e':
                return ToDouble(arg) is { } e ? Scientific(e, precision ?? 6) : Fail("scientific clause can only be used on doubles", typeName);
            case 'x' or 'X':
                var hex = arg switch
                {
                    long l => l < 0 ? "-" + ((ulong)(-(Int128)l)).ToString("x", CultureInfo.InvariantCulture) : l.ToString("x", CultureInfo.InvariantCulture),
                    ulong u => u.ToString("x", CultureInfo.InvariantCulture),
                    string s => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(s)),
                    CelBytes b => Convert.ToHexStringLower(b.Data),
                    _ => null,
                };
                return hex is null
                    ? Fail("only integers, byte buffers, and strings can be formatted as hex", typeName)
                    : verb == 'X' ? hex.ToUpperInvariant() : hex;
            case 'o':
                return arg switch
                {
                    long l => l < 0 ? "-" + Convert.ToString(-l, 8) : Convert.ToString(l, 8),
                    ulong u => UnsignedInBase(u, 8),
                    _ => Fail("octal clause can only be used on integers", typeName),
                };
            case 'b':
                return arg switch
                {
                    long l => l < 0 ? "-" + Convert.ToString(-l, 2) : Convert.ToString(l, 2),
                    ulong u => UnsignedInBase(u, 2),
                    bool b => b ? "1" : "0",
                    _ => Fail("only integers and bools can be formatted as binary", typeName),
                };
            default:
                return new CelError($"error during formatting: unrecognized formatting clause \"{verb}\"", null);
        }
    }

    private static CelError Fail(string what, string typeName) => new($"error during formatting: {what}, was given {typeName}", null);

    private static string UnsignedInBase(ulong value, int radix)
    {
        if (value == 0)
        {
            return "0";
        }

        var sb = new StringBuilder();
        while (value > 0)
        {
            sb.Insert(0, (char)('0' + (int)(value % (ulong)radix)));
            value /= (ulong)radix;
        }

        return sb.ToString();
    }

    private static double? ToDouble(object arg) => arg switch
    {
        double d => d,
        long l => l,
        ulong u => u,
        _ => null,
    };

    private static string SpecialDouble(double d) => double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";

    /// <summary>Fixed point with round-half-to-even on the exact value, as Go's fmt does.</summary>
    private static string Fixed(double d, int precision)
    {
        if (!double.IsFinite(d))
        {
            return SpecialDouble(d);
        }

        if (Math.Abs(d) < 1e15 && precision <= 15)
        {
            var rounded = Math.Round((decimal)d, precision, MidpointRounding.ToEven);
            return rounded.ToString("F" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        return d.ToString("F" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Scientific(double d, int precision)
    {
        if (!double.IsFinite(d))
        {
            return SpecialDouble(d);
        }

        var text = d.ToString("e" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var e = text.IndexOf('e', StringComparison.Ordinal);
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return text[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("D2", CultureInfo.InvariantCulture);
    }

    private static string? AsString(object arg) => arg switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        ulong u => u.ToString(CultureInfo.InvariantCulture),
        double d => double.IsFinite(d) ? CelNumeric.FormatDouble(d) : SpecialDouble(d),
        CelBytes b => Encoding.UTF8.GetString(b.Data),
        CelNull => "null",
        CelType t => t.Name,
        CelTimestamp t => t.ToString(),
        CelDuration d => d.ToString(),
        CelList list => ListString(list),
        CelMap map => MapString(map),
        _ => null,
    };

    private static string? ListString(CelList list)
    {
        var parts = new List<string>();
        foreach (var item in list.Items)
        {
            if (AsString(item) is not { } s)
            {
                return null;
            }

            parts.Add(s);
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    private static string? MapString(CelMap map)
    {
        var parts = new List<(string Key, string Value)>();
        foreach (var entry in map.Entries)
        {
            if (AsString(entry.Key) is not { } k || AsString(entry.Value) is not { } v)
            {
                return null;
            }

            parts.Add((k, v));
        }

        return "{" + string.Join(", ", parts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ": " + p.Value)) + "}";
    }
}
