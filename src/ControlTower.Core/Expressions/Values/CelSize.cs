namespace ControlTower.Core.Expressions;

/// <summary>
/// How big a value would be as JSON output: approximate bytes and the number of list items and map entries at
/// every depth. Lists and maps share their parts by reference, so <c>[s, s, s]</c> is cheap to build but three
/// times <c>s</c> to write out; this counts what would be written. Lists and maps remember their size, so building
/// on a measured value (concatenation, nesting, accumulating in a fold) costs only the new part.
/// </summary>
internal sealed record CelSize(long Bytes, long Elements)
{
    private const long ScalarBytes = 24;

    public static readonly CelSize Zero = new(0, 0);

    public static CelSize Of(object value) => value switch
    {
        string s => new CelSize(s.Length + 2, 0),
        CelBytes b => new CelSize(((b.Length + 2) / 3 * 4) + 2, 0),
        CelList list => list.Size ??= OfList(list),
        CelMap map => map.Size ??= OfMap(map),
        CelOptional { Value: { } inner } => Of(inner),
        _ => new CelSize(ScalarBytes, 0),
    };

    public CelSize Plus(CelSize other) => new(Saturate(Bytes + other.Bytes), Saturate(Elements + other.Elements));

    private static CelSize OfList(CelList list)
    {
        long bytes = 2;
        long elements = list.Count;
        foreach (var item in list.Items)
        {
            var size = Of(item);
            bytes = Saturate(bytes + size.Bytes + 1);
            elements = Saturate(elements + size.Elements);
        }

        return new CelSize(bytes, elements);
    }

    private static CelSize OfMap(CelMap map)
    {
        long bytes = 2;
        long elements = map.Count;
        foreach (var (key, value) in map.Entries)
        {
            var size = Of(value);
            bytes = Saturate(bytes + Of(key).Bytes + size.Bytes + 2);
            elements = Saturate(elements + size.Elements);
        }

        return new CelSize(bytes, elements);
    }

    // Sizes of shared parts multiply; past this they are over every budget anyway.
    private static long Saturate(long value) => value is < 0 or > long.MaxValue / 4 ? long.MaxValue / 4 : value;
}
