using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ControlTower.Core.Expressions;

/// <summary>
/// CEL runtime values are plain objects: <see cref="long"/> (int), <see cref="ulong"/> (uint), <see cref="double"/>,
/// <see cref="bool"/>, <see cref="string"/>, and the classes below. Errors travel as <see cref="CelError"/>
/// values (not exceptions) so <c>&amp;&amp;</c>, <c>||</c> and the macros can absorb them as the spec requires.
/// </summary>
internal sealed class CelNull
{
    public static readonly CelNull Value = new();

    private CelNull()
    {
    }

    public override string ToString() => "null";
}

internal sealed class CelBytes : IEquatable<CelBytes>, IComparable<CelBytes>
{
    public static readonly CelBytes Empty = new([]);

    public CelBytes(byte[] data) => Data = data;

    public byte[] Data { get; }

    public int Length => Data.Length;

    public bool Equals(CelBytes? other) => other is not null && Data.AsSpan().SequenceEqual(other.Data);

    public override bool Equals(object? obj) => Equals(obj as CelBytes);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(Data);
        return hash.ToHashCode();
    }

    public int CompareTo(CelBytes? other) => other is null ? 1 : Data.AsSpan().SequenceCompareTo(other.Data);

    public override string ToString() => Convert.ToBase64String(Data);
}

internal sealed class CelList
{
    public static readonly CelList Empty = new([]);

    public CelList(IReadOnlyList<object> items) => Items = items;

    public IReadOnlyList<object> Items { get; }

    public int Count => Items.Count;

    /// <summary>Output size, measured once on demand (<see cref="CelSize"/>).</summary>
    internal CelSize? Size { get; set; }
}

/// <summary>
/// An insertion-ordered map; int and uint keys of equal value are the same key (spec: heterogeneous equality).
/// A map made from a JSON object converts values on first access only, so a condition reading one field of a
/// large node output does not convert the whole output. Such a map belongs to one evaluation (not thread-safe).
/// </summary>
internal sealed class CelMap
{
    public static readonly CelMap Empty = new([], new Dictionary<object, object>(MapKeyComparer.Instance));

    private readonly JsonObject? _json;
    private List<KeyValuePair<object, object>>? _entries;
    private Dictionary<object, object> _index;

    private CelMap(List<KeyValuePair<object, object>> entries, Dictionary<object, object> index)
    {
        _entries = entries;
        _index = index;
    }

    private CelMap(JsonObject json)
    {
        _json = json;
        _index = new Dictionary<object, object>(MapKeyComparer.Instance);
    }

    public IReadOnlyList<KeyValuePair<object, object>> Entries => _entries ??= Materialize();

    public int Count => _entries?.Count ?? _json!.Count;

    /// <summary>Output size, measured once on demand (<see cref="CelSize"/>).</summary>
    internal CelSize? Size { get; set; }

    public static CelMap FromJson(JsonObject json) => new(json);

    /// <summary>Builds a map; returns false on a repeated key.</summary>
    public static bool TryCreate(IEnumerable<KeyValuePair<object, object>> entries, out CelMap map)
    {
        var list = new List<KeyValuePair<object, object>>();
        var index = new Dictionary<object, object>(MapKeyComparer.Instance);
        foreach (var entry in entries)
        {
            if (!index.TryAdd(entry.Key, entry.Value))
            {
                map = Empty;
                return false;
            }

            list.Add(entry);
        }

        map = new CelMap(list, index);
        return true;
    }

    public static bool IsValidKey(object key) => key is long or ulong or bool or string;

    /// <summary>Looks a key up; a double key finds the int/uint entry of the same value.</summary>
    public bool TryGet(object key, out object value)
    {
        value = CelNull.Value;
        if (key is double d)
        {
            if (!CelNumeric.TryIntegral(d, out var integral))
            {
                return false;
            }

            key = integral;
        }

        if (!IsValidKey(key))
        {
            return false;
        }

        if (_index.TryGetValue(key, out var found))
        {
            value = found;
            return true;
        }

        if (_entries is null && key is string name && _json!.TryGetPropertyValue(name, out var node))
        {
            value = CelJson.FromJson(node);
            _index[name] = value;
            return true;
        }

        return false;
    }

    private List<KeyValuePair<object, object>> Materialize()
    {
        var list = new List<KeyValuePair<object, object>>(_json!.Count);
        foreach (var (key, node) in _json)
        {
            if (!_index.TryGetValue(key, out var value))
            {
                value = CelJson.FromJson(node);
                _index[key] = value;
            }

            list.Add(new KeyValuePair<object, object>(key, value));
        }

        return list;
    }

    private sealed class MapKeyComparer : IEqualityComparer<object>
    {
        public static readonly MapKeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => (x, y) switch
        {
            (long a, long b) => a == b,
            (ulong a, ulong b) => a == b,
            (long a, ulong b) => a >= 0 && (ulong)a == b,
            (ulong a, long b) => b >= 0 && (ulong)b == a,
            _ => object.Equals(x, y),
        };

        public int GetHashCode(object obj) => obj switch
        {
            ulong u when u <= long.MaxValue => ((long)u).GetHashCode(),
            _ => obj.GetHashCode(),
        };
    }
}

/// <summary>List items of a JSON array, converted on first access (one evaluation only, not thread-safe).</summary>
internal sealed class JsonBackedList : IReadOnlyList<object>
{
    private readonly JsonArray _json;
    private readonly object?[] _converted;

    public JsonBackedList(JsonArray json)
    {
        _json = json;
        _converted = new object?[json.Count];
    }

    public int Count => _converted.Length;

    public object this[int index] => _converted[index] ??= CelJson.FromJson(_json[index]);

    public IEnumerator<object> GetEnumerator()
    {
        for (var i = 0; i < _converted.Length; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A point in time, nanoseconds since the Unix epoch, within years 0001..9999 UTC.</summary>
internal sealed record CelTimestamp(Int128 Nanos)
{
    public const long MinSeconds = -62135596800;
    public const long MaxSeconds = 253402300799;

    public long Seconds => (long)((Nanos - NanoOfSecond) / 1_000_000_000);

    public int NanoOfSecond => (int)((Nanos % 1_000_000_000 + 1_000_000_000) % 1_000_000_000);

    public static bool InRange(Int128 nanos) =>
        nanos >= (Int128)MinSeconds * 1_000_000_000 && nanos <= (Int128)MaxSeconds * 1_000_000_000 + 999_999_999;

    public DateTime ToDateTime() => DateTime.UnixEpoch.AddTicks((Seconds * 10_000_000L) + (NanoOfSecond / 100));

    /// <summary>RFC 3339 in UTC with as many fraction digits as needed (0, 3, 6 or 9).</summary>
    public override string ToString()
    {
        var dt = DateTime.UnixEpoch.AddSeconds(Seconds);
        var text = dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return text + CelDuration.Fraction(NanoOfSecond) + "Z";
    }
}

/// <summary>A signed span of nanoseconds (64-bit, as cel-go: about ±292 years).</summary>
internal sealed record CelDuration(long Nanos)
{
    public static string Fraction(int nanos)
    {
        if (nanos == 0)
        {
            return "";
        }

        if (nanos % 1_000_000 == 0)
        {
            return "." + (nanos / 1_000_000).ToString("D3", CultureInfo.InvariantCulture);
        }

        return nanos % 1000 == 0
            ? "." + (nanos / 1000).ToString("D6", CultureInfo.InvariantCulture)
            : "." + nanos.ToString("D9", CultureInfo.InvariantCulture);
    }

    /// <summary>Seconds with a minimal fraction and suffix s, e.g. <c>1.5s</c>, <c>-0.000000001s</c>.</summary>
    public override string ToString()
    {
        var sign = Nanos < 0 ? "-" : "";
        var abs = Nanos < 0 ? -(Int128)Nanos : Nanos;
        var seconds = (long)(abs / 1_000_000_000);
        var nanos = (int)(abs % 1_000_000_000);
        var frac = nanos == 0 ? "" : "." + nanos.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return sign + seconds.ToString(CultureInfo.InvariantCulture) + frac + "s";
    }
}

/// <summary>A CEL type value (<c>type(x)</c>, <c>int</c>, ...), identified by its CEL name.</summary>
internal sealed record CelType(string Name)
{
    public static readonly CelType Int = new("int");
    public static readonly CelType Uint = new("uint");
    public static readonly CelType Double = new("double");
    public static readonly CelType Bool = new("bool");
    public static readonly CelType String = new("string");
    public static readonly CelType Bytes = new("bytes");
    public static readonly CelType List = new("list");
    public static readonly CelType Map = new("map");
    public static readonly CelType Null = new("null_type");
    public static readonly CelType Type = new("type");
    public static readonly CelType Timestamp = new("google.protobuf.Timestamp");
    public static readonly CelType Duration = new("google.protobuf.Duration");
    public static readonly CelType Optional = new("optional_type");

    public override string ToString() => Name;
}

/// <summary><c>optional.of(x)</c> / <c>optional.none()</c>.</summary>
internal sealed record CelOptional(object? Value)
{
    public static readonly CelOptional None = new((object?)null);

    public bool HasValue => Value is not null;
}

/// <summary>An evaluation error carried as a value. <see cref="Expr"/> is the sub-expression that failed.</summary>
internal sealed class CelError
{
    public CelError(string message, CelExpr? expr, string code = CelErrorCodes.EvalError)
    {
        Message = message;
        Expr = expr;
        Code = code;
    }

    public string Message { get; }

    public CelExpr? Expr { get; }

    public string Code { get; }

    public override string ToString() => Message;
}

internal static class CelNumeric
{
    /// <summary>A double with no fraction that fits int or uint becomes that integer (for map keys and list indexes).</summary>
    public static bool TryIntegral(double d, out object value)
    {
        value = 0L;
        if (double.IsNaN(d) || double.IsInfinity(d) || Math.Floor(d) != d)
        {
            return false;
        }

        if (d >= -9.223372036854775808e18 && d < 9.223372036854775808e18)
        {
            value = (long)d;
            return true;
        }

        if (d >= 0 && d < 1.8446744073709551616e19)
        {
            value = (ulong)d;
            return true;
        }

        return false;
    }

    /// <summary>Go's <c>strconv.FormatFloat(d, 'g', -1, 64)</c>, which cel-go uses for <c>string(double)</c>.</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "+Inf" : "-Inf";
        }

        if (d == 0)
        {
            return double.IsNegative(d) ? "-0" : "0";
        }

        var shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var (digits, exp) = Decompose(shortest);
        var sb = new StringBuilder();
        if (d < 0)
        {
            sb.Append('-');
        }

        if (exp < -4 || exp >= 21)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("D2", CultureInfo.InvariantCulture));
        }
        else if (exp < 0)
        {
            sb.Append("0.").Append('0', -exp - 1).Append(digits);
        }
        else if (digits.Length <= exp + 1)
        {
            sb.Append(digits).Append('0', exp + 1 - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, exp + 1).Append('.').Append(digits, exp + 1, digits.Length - exp - 1);
        }

        return sb.ToString();
    }

    /// <summary>Splits a .NET round-trip string into significant digits and the decimal exponent of the first digit.</summary>
    private static (string Digits, int Exp) Decompose(string s)
    {
        var exp = 0;
        var e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }

        var dot = s.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? s[..dot] : s;
        var fracPart = dot >= 0 ? s[(dot + 1)..] : "";
        var all = intPart + fracPart;
        var firstNonZero = 0;
        while (firstNonZero < all.Length - 1 && all[firstNonZero] == '0')
        {
            firstNonZero++;
        }

        var digits = all[firstNonZero..].TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        return (digits, exp + intPart.Length - 1 - firstNonZero);
    }
}

/// <summary>Shared boxes for bool results, so conditions do not allocate per comparison.</summary>
internal static class CelBox
{
    public static readonly object True = true;
    public static readonly object False = false;

    public static object Of(bool value) => value ? True : False;
}
