namespace ControlTower.Core.Expressions;

/// <summary>Spec equality and ordering, including int/uint/double compared by numeric value.</summary>
internal static class CelEquality
{
    public static bool AreEqual(object a, object b)
    {
        switch (a, b)
        {
            case (long or ulong or double, long or ulong or double):
                return Compare(a, b) == 0;
            case (CelList x, CelList y):
                if (x.Count != y.Count)
                {
                    return false;
                }

                for (var i = 0; i < x.Count; i++)
                {
                    if (!AreEqual(x.Items[i], y.Items[i]))
                    {
                        return false;
                    }
                }

                return true;
            case (CelMap x, CelMap y):
                if (x.Count != y.Count)
                {
                    return false;
                }

                foreach (var entry in x.Entries)
                {
                    if (!y.TryGet(entry.Key, out var other) || !AreEqual(entry.Value, other))
                    {
                        return false;
                    }
                }

                return true;
            case (CelOptional x, CelOptional y):
                return x.HasValue == y.HasValue && (!x.HasValue || AreEqual(x.Value!, y.Value!));
            default:
                return a.GetType() == b.GetType() && a.Equals(b);
        }
    }

    /// <summary>-1/0/1; null when the types have no ordering; int.MinValue when a NaN makes every ordering false.</summary>
    public static int? Compare(object a, object b)
    {
        switch (a, b)
        {
            case (long x, long y): return x.CompareTo(y);
            case (ulong x, ulong y): return x.CompareTo(y);
            case (double x, double y): return double.IsNaN(x) || double.IsNaN(y) ? int.MinValue : x.CompareTo(y);
            case (long x, ulong y): return x < 0 ? -1 : ((ulong)x).CompareTo(y);
            case (ulong x, long y): return y < 0 ? 1 : x.CompareTo((ulong)y);
            case (long x, double y): return CompareIntDouble(x, y);
            case (double x, long y): return Negate(CompareIntDouble(y, x));
            case (ulong x, double y): return CompareUintDouble(x, y);
            case (double x, ulong y): return Negate(CompareUintDouble(y, x));
            case (string x, string y): return CompareCodePoints(x, y);
            case (bool x, bool y): return x.CompareTo(y);
            case (CelBytes x, CelBytes y): return Math.Sign(x.CompareTo(y));
            case (CelTimestamp x, CelTimestamp y): return x.Nanos.CompareTo(y.Nanos);
            case (CelDuration x, CelDuration y): return x.Nanos.CompareTo(y.Nanos);
            default: return null;
        }
    }

    private static int Negate(int c) => c == int.MinValue ? c : -c;

    /// <summary>int vs double compares as doubles (what the conformance suite expects, lossy above 2^53).</summary>
    private static int CompareIntDouble(long x, double y) => double.IsNaN(y) ? int.MinValue : ((double)x).CompareTo(y);

    private static int CompareUintDouble(ulong x, double y) => double.IsNaN(y) ? int.MinValue : ((double)x).CompareTo(y);

    /// <summary>Strings order by Unicode code point (UTF-16 ordinal order differs for surrogate pairs).</summary>
    private static int CompareCodePoints(string x, string y)
    {
        var i = 0;
        while (i < x.Length && i < y.Length)
        {
            var cx = CodePointAt(x, i);
            var cy = CodePointAt(y, i);
            if (cx != cy)
            {
                return cx < cy ? -1 : 1;
            }

            i += cx > 0xFFFF ? 2 : 1;
        }

        return Math.Sign((x.Length - i).CompareTo(y.Length - i));
    }

    private static int CodePointAt(string s, int index) =>
        char.IsHighSurrogate(s[index]) && index + 1 < s.Length && char.IsLowSurrogate(s[index + 1])
            ? char.ConvertToUtf32(s[index], s[index + 1])
            : s[index];
}
