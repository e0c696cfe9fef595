namespace ControlTower.Core.Expressions;

/// <summary>
/// A static CEL type for the checker: a name with parameters (<c>list(int)</c>, <c>map(string, dyn)</c>),
/// a type parameter of an overload signature, or the free type of an empty literal (joins with anything,
/// reported as <c>dyn</c>). Equality is structural.
/// </summary>
internal sealed class CelCheckType : IEquatable<CelCheckType>
{
    public static readonly CelCheckType Dyn = new("dyn");
    public static readonly CelCheckType Free = new("*free*");
    public static readonly CelCheckType Int = new("int");
    public static readonly CelCheckType Uint = new("uint");
    public static readonly CelCheckType Double = new("double");
    public static readonly CelCheckType Bool = new("bool");
    public static readonly CelCheckType String = new("string");
    public static readonly CelCheckType Bytes = new("bytes");
    public static readonly CelCheckType Null = new("null_type");
    public static readonly CelCheckType Timestamp = new("google.protobuf.Timestamp");
    public static readonly CelCheckType Duration = new("google.protobuf.Duration");

    public CelCheckType(string name, IReadOnlyList<CelCheckType>? parameters = null, bool isTypeParam = false)
    {
        Name = name;
        Params = parameters ?? [];
        IsTypeParam = isTypeParam;
    }

    public string Name { get; }

    public IReadOnlyList<CelCheckType> Params { get; }

    public bool IsTypeParam { get; }

    public bool IsDyn => ReferenceEquals(this, Dyn) || (Name == "dyn" && !IsTypeParam);

    public bool IsFree => ReferenceEquals(this, Free);

    public static CelCheckType List(CelCheckType elem) => new("list", [elem]);

    public static CelCheckType Map(CelCheckType key, CelCheckType value) => new("map", [key, value]);

    public static CelCheckType Optional(CelCheckType value) => new("optional_type", [value]);

    public static CelCheckType TypeOf(CelCheckType value) => new("type", [value]);

    /// <summary>A protobuf wrapper (<c>google.protobuf.Int64Value</c>): the primitive, or null.</summary>
    public static CelCheckType Wrapper(CelCheckType primitive) => new("wrapper", [primitive]);

    public static CelCheckType Param(string name) => new(name, null, isTypeParam: true);

    /// <summary>Replaces every free type (anywhere inside) by dyn, for reporting.</summary>
    public CelCheckType Resolved() => IsFree ? Dyn : Params.Count == 0 ? this : new CelCheckType(Name, Params.Select(p => p.Resolved()).ToArray(), IsTypeParam);

    public bool Equals(CelCheckType? other) => other is not null && ToString() == other.ToString();

    public override bool Equals(object? obj) => Equals(obj as CelCheckType);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    public override string ToString() => Params.Count == 0
        ? (IsTypeParam ? "%" + Name : Name)
        : $"{Name}({string.Join(", ", Params)})";

    /// <summary>The least common type of two (used for list elements, map entries and the conditional operator).</summary>
    public static CelCheckType Join(CelCheckType a, CelCheckType b)
    {
        if (a.IsFree)
        {
            return b;
        }

        if (b.IsFree || a.Equals(b))
        {
            return a;
        }

        if (a.Name == "wrapper" && (b.Equals(a.Params[0]) || b.Equals(Null)))
        {
            return a;
        }

        if (b.Name == "wrapper" && (a.Equals(b.Params[0]) || a.Equals(Null)))
        {
            return b;
        }

        if (a.IsDyn || b.IsDyn || a.Name != b.Name || a.Params.Count != b.Params.Count)
        {
            return Dyn;
        }

        return new CelCheckType(a.Name, a.Params.Zip(b.Params, Join).ToArray());
    }

    /// <summary>
    /// Parses a type written as text: <c>int</c>, <c>uint</c>, <c>double</c>, <c>bool</c>, <c>string</c>, <c>bytes</c>,
    /// <c>null_type</c>, <c>timestamp</c>, <c>duration</c>, <c>dyn</c>, <c>list(T)</c>, <c>map(K, V)</c>,
    /// <c>optional_type(T)</c>, <c>type(T)</c>, <c>wrapper(T)</c> (nullable primitive); a single capital letter is a type parameter.
    /// </summary>
    public static CelCheckType Parse(string text)
    {
        var pos = 0;
        var type = ParseAt(text, ref pos);
        SkipSpaces(text, ref pos);
        return pos == text.Length ? type : throw new FormatException($"unexpected '{text[pos..]}' in type '{text}'");
    }

    private static CelCheckType ParseAt(string text, ref int pos)
    {
        SkipSpaces(text, ref pos);
        var start = pos;
        while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] is '_' or '.'))
        {
            pos++;
        }

        var name = text[start..pos];
        if (name.Length == 0)
        {
            throw new FormatException($"type name expected in '{text}'");
        }

        var parameters = new List<CelCheckType>();
        SkipSpaces(text, ref pos);
        if (pos < text.Length && text[pos] == '(')
        {
            pos++;
            do
            {
                parameters.Add(ParseAt(text, ref pos));
                SkipSpaces(text, ref pos);
            }
            while (pos < text.Length && text[pos] == ',' && ++pos > 0);

            if (pos >= text.Length || text[pos] != ')')
            {
                throw new FormatException($"')' expected in type '{text}'");
            }

            pos++;
        }

        return Named(name, parameters);
    }

    private static CelCheckType Named(string name, List<CelCheckType> parameters) => (name, parameters.Count) switch
    {
        ("int" or "int64", 0) => Int,
        ("uint" or "uint64", 0) => Uint,
        ("double", 0) => Double,
        ("bool", 0) => Bool,
        ("string", 0) => String,
        ("bytes", 0) => Bytes,
        ("null_type" or "null", 0) => Null,
        ("timestamp" or "google.protobuf.Timestamp", 0) => Timestamp,
        ("duration" or "google.protobuf.Duration", 0) => Duration,
        ("dyn" or "any", 0) => Dyn,
        ("list", 1) => List(parameters[0]),
        ("map", 2) => Map(parameters[0], parameters[1]),
        ("optional_type" or "optional", 1) => Optional(parameters[0]),
        ("type", 1) => TypeOf(parameters[0]),
        ("type", 0) => TypeOf(Dyn),
        ("wrapper", 1) => Wrapper(parameters[0]),
        _ when name.Length == 1 && char.IsAsciiLetterUpper(name[0]) && parameters.Count == 0 => Param(name),
        ("list" or "map" or "optional_type" or "optional", _) => throw new FormatException($"wrong number of type parameters for {name}"),
        _ => new CelCheckType(name, parameters),
    };

    private static void SkipSpaces(string text, ref int pos)
    {
        while (pos < text.Length && text[pos] == ' ')
        {
            pos++;
        }
    }
}

/// <summary>One signature of a declared function; with <see cref="IsMember"/> the first parameter is the receiver.</summary>
internal sealed record CelOverload(string Id, IReadOnlyList<CelCheckType> Params, CelCheckType Result, bool IsMember = false);
