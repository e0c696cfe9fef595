using System.Globalization;
using System.Text;

namespace ControlTower.Core.Expressions;

/// <summary>The cel-go strings extension; indexes count Unicode code points, not UTF-16 units.</summary>
internal static partial class CelFunctions
{
    private static object? StringExtension(CelInterpreter interp, CallExpr call, string function, object[] all)
    {
        if (function == "join" && all.Length is 1 or 2 && all[0] is CelList parts)
        {
            return Join(interp, call, parts, all.Length == 2 ? all[1] : "");
        }

        if (function == "strings.quote" && all.Length == 1)
        {
            return all[0] is string q ? Quote(q) : NoOverload(call, all[0]);
        }

        if (function == "base64.encode" && all.Length == 1)
        {
            return all[0] is CelBytes raw ? Convert.ToBase64String(raw.Data) : NoOverload(call, all[0]);
        }

        if (function == "base64.decode" && all.Length == 1)
        {
            return all[0] is string encoded ? DecodeBase64(call, encoded) : NoOverload(call, all[0]);
        }

        if (function == "format" && all.Length == 2 && all[0] is string fmt && all[1] is CelList fmtArgs)
        {
            return CelFormat.Format(interp, call, fmt, fmtArgs);
        }

        if (all.Length == 0 || all[0] is not string s)
        {
            return null;
        }

        object? result = (function, all.Length) switch
        {
            ("charAt", 2) when all[1] is long i => CharAt(call, s, i),
            ("indexOf", 2) when all[1] is string sub => IndexOf(call, s, sub, 0, last: false),
            ("indexOf", 3) when all[1] is string sub && all[2] is long from => IndexOf(call, s, sub, from, last: false),
            ("lastIndexOf", 2) when all[1] is string sub => IndexOf(call, s, sub, -1, last: true),
            ("lastIndexOf", 3) when all[1] is string sub && all[2] is long from => IndexOf(call, s, sub, from, last: true),
            ("lowerAscii", 1) => MapAscii(s, upper: false),
            ("upperAscii", 1) => MapAscii(s, upper: true),
            ("replace", 3) when all[1] is string old && all[2] is string repl => Replace(interp, call, s, old, repl, -1),
            ("replace", 4) when all[1] is string old && all[2] is string repl && all[3] is long n => Replace(interp, call, s, old, repl, n),
            ("split", 2) when all[1] is string sep => Split(interp, call, s, sep, -1),
            ("split", 3) when all[1] is string sep && all[2] is long n => Split(interp, call, s, sep, n),
            ("substring", 2) when all[1] is long start => Substring(call, s, start, null),
            ("substring", 3) when all[1] is long start && all[2] is long end => Substring(call, s, start, end),
            ("trim", 1) => TrimUnicode(s),
            ("reverse", 1) => string.Concat(Runes(s).AsEnumerable().Reverse().Select(r => r.ToString())),
            _ => null,
        };
        return result;
    }

    private static Rune[] Runes(string s) => s.EnumerateRunes().ToArray();

    private static object CharAt(CallExpr call, string s, long index)
    {
        var runes = Runes(s);
        if (index < 0 || index > runes.Length)
        {
            return new CelError($"index out of range: {index}", call);
        }

        return index == runes.Length ? "" : runes[index].ToString();
    }

    private static object IndexOf(CallExpr call, string s, string sub, long from, bool last)
    {
        var runes = Runes(s);
        var needle = Runes(sub);
        if (last && from == -1)
        {
            from = runes.Length;
        }

        if (from < 0 || from > runes.Length)
        {
            return new CelError($"index out of range: {from}", call);
        }

        if (!last)
        {
            for (var i = (int)from; i + needle.Length <= runes.Length; i++)
            {
                if (runes.AsSpan(i, needle.Length).SequenceEqual(needle))
                {
                    return (long)i;
                }
            }

            return -1L;
        }

        for (var i = (int)Math.Min(from, runes.Length - needle.Length); i >= 0; i--)
        {
            if (runes.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return (long)i;
            }
        }

        return -1L;
    }

    private static string MapAscii(string s, bool upper)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (upper && chars[i] is >= 'a' and <= 'z')
            {
                chars[i] = (char)(chars[i] - 32);
            }
            else if (!upper && chars[i] is >= 'A' and <= 'Z')
            {
                chars[i] = (char)(chars[i] + 32);
            }
        }

        return new string(chars);
    }

    private static object Replace(CelInterpreter interp, CallExpr call, string s, string old, string repl, long limit)
    {
        if (limit == 0)
        {
            return s;
        }

        var sb = new StringBuilder();
        var count = 0L;
        var pos = 0;
        while (limit < 0 || count < limit)
        {
            int found;
            if (old.Length == 0)
            {
                // Like Go: an empty pattern matches before each code point and at the end.
                if (pos > s.Length)
                {
                    break;
                }

                found = pos;
            }
            else
            {
                found = s.IndexOf(old, pos, StringComparison.Ordinal);
                if (found < 0)
                {
                    break;
                }
            }

            sb.Append(s, pos, found - pos).Append(repl);
            count++;
            if (old.Length == 0)
            {
                if (found < s.Length)
                {
                    var len = char.IsHighSurrogate(s[found]) && found + 1 < s.Length ? 2 : 1;
                    sb.Append(s, found, len);
                    pos = found + len;
                }
                else
                {
                    pos = s.Length + 1;
                }
            }
            else
            {
                pos = found + old.Length;
            }

            interp.CheckStringSize(call, sb.Length);
        }

        if (pos <= s.Length)
        {
            sb.Append(s, pos, s.Length - pos);
        }

        interp.CheckStringSize(call, sb.Length);
        return sb.ToString();
    }

    private static object Split(CelInterpreter interp, CallExpr call, string s, string sep, long limit)
    {
        if (limit == 0)
        {
            return CelList.Empty;
        }

        var parts = new List<object>();
        if (sep.Length == 0)
        {
            var runes = Runes(s);
            for (var i = 0; i < runes.Length; i++)
            {
                if (limit > 0 && parts.Count == limit - 1)
                {
                    parts.Add(string.Concat(runes[i..].Select(r => r.ToString())));
                    break;
                }

                parts.Add(runes[i].ToString());
            }
        }
        else
        {
            var pos = 0;
            while (limit < 0 || parts.Count < limit - 1)
            {
                var found = s.IndexOf(sep, pos, StringComparison.Ordinal);
                if (found < 0)
                {
                    break;
                }

                parts.Add(s[pos..found]);
                pos = found + sep.Length;
            }

            parts.Add(s[pos..]);
        }

        interp.CheckCollectionSize(call, parts.Count);
        return new CelList(parts);
    }

    private static object Substring(CallExpr call, string s, long start, long? end)
    {
        var runes = Runes(s);
        var stop = end ?? runes.Length;
        if (start < 0 || start > runes.Length)
        {
            return new CelError($"index out of range: {start}", call);
        }

        if (stop < 0 || stop > runes.Length)
        {
            return new CelError($"index out of range: {stop}", call);
        }

        if (stop < start)
        {
            return new CelError($"invalid substring range. start: {start}, end: {stop}", call);
        }

        return string.Concat(runes[(int)start..(int)stop].Select(r => r.ToString()));
    }

    private static string TrimUnicode(string s)
    {
        var runes = Runes(s);
        var start = 0;
        var end = runes.Length;
        while (start < end && Rune.IsWhiteSpace(runes[start]))
        {
            start++;
        }

        while (end > start && Rune.IsWhiteSpace(runes[end - 1]))
        {
            end--;
        }

        return string.Concat(runes[start..end].Select(r => r.ToString()));
    }

    private static object Join(CelInterpreter interp, CallExpr call, CelList parts, object separator)
    {
        if (separator is not string sep)
        {
            return NoOverload(call, parts, separator);
        }

        var sb = new StringBuilder();
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts.Items[i] is not string part)
            {
                return NoOverload(call, parts.Items[i]);
            }

            sb.Append(i > 0 ? sep : "").Append(part);
            interp.CheckStringSize(call, sb.Length);
        }

        return sb.ToString();
    }

    /// <summary>Standard base64; missing padding is accepted, as in cel-go.</summary>
    private static object DecodeBase64(CallExpr call, string encoded)
    {
        var padded = encoded.Length % 4 == 0 ? encoded : encoded + new string('=', 4 - (encoded.Length % 4));
        try
        {
            return new CelBytes(Convert.FromBase64String(padded));
        }
        catch (FormatException)
        {
            return new CelError("invalid base64 input", call);
        }
    }

    /// <summary>A double-quoted CEL string literal for the text (strings.quote).</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7f)
                    {
                        sb.Append("\\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(rune.ToString());
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
