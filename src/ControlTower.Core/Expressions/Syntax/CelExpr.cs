namespace ControlTower.Core.Expressions;

/// <summary>A node of the parsed (macro-expanded) expression tree. Immutable; Position is the 0-based source offset.</summary>
internal abstract record CelExpr(int Position)
{
    /// <summary>Height of the subtree; bounded by <see cref="CelOptions.MaxNestingDepth"/> so evaluation cannot overflow the stack.</summary>
    public abstract int Depth { get; }

    protected static int MaxDepth(IEnumerable<CelExpr?> children)
    {
        var max = 0;
        foreach (var child in children)
        {
            if (child is not null && child.Depth > max)
            {
                max = child.Depth;
            }
        }

        return max;
    }
}

internal sealed record ConstantExpr(int Position, object Value) : CelExpr(Position)
{
    public override int Depth => 1;
}

internal sealed record IdentExpr(int Position, string Name) : CelExpr(Position)
{
    public override int Depth => 1;
}

/// <summary><c>a.b</c>; TestOnly for <c>has(a.b)</c>; Optional for <c>a.?b</c>.</summary>
internal sealed record SelectExpr(int Position, CelExpr Operand, string Field, bool TestOnly, bool Optional) : CelExpr(Position)
{
    public override int Depth { get; } = Operand.Depth + 1;

    /// <summary>The dotted name when the whole chain is identifiers (<c>a.b.c</c>), for namespaced variables.</summary>
    public string? QualifiedName { get; } = !TestOnly && !Optional ? QualifiedNameOf(Operand) is { } prefix ? prefix + "." + Field : null : null;

    private static string? QualifiedNameOf(CelExpr e) => e switch
    {
        IdentExpr id => id.Name,
        SelectExpr { TestOnly: false, Optional: false } s => s.QualifiedName,
        _ => null,
    };
}

/// <summary>A function or operator call; operators use the cel-spec names (<c>_+_</c>, <c>_[_]</c>, ...).</summary>
internal sealed record CallExpr(int Position, CelExpr? Target, string Function, IReadOnlyList<CelExpr> Args) : CelExpr(Position)
{
    public override int Depth { get; } = Math.Max(Target?.Depth ?? 0, MaxDepth(Args)) + 1;

    /// <summary><c>math.greatest</c> for <c>math.greatest(...)</c>: a namespaced global function when the target is a plain name.</summary>
    public string? QualifiedFunction { get; } = Target switch
    {
        IdentExpr id => id.Name.TrimStart('.') + "." + Function,
        SelectExpr { QualifiedName: { } q } => q.TrimStart('.') + "." + Function,
        _ => null,
    };
}

internal sealed record ListExpr(int Position, IReadOnlyList<CelExpr> Elements, IReadOnlyList<bool> OptionalFlags) : CelExpr(Position)
{
    public override int Depth { get; } = MaxDepth(Elements) + 1;
}

internal sealed record MapEntryExpr(CelExpr Key, CelExpr Value, bool Optional);

internal sealed record MapExpr(int Position, IReadOnlyList<MapEntryExpr> Entries) : CelExpr(Position)
{
    public override int Depth { get; } = MaxDepth(Entries.SelectMany(e => new[] { e.Key, e.Value })) + 1;
}

internal sealed record FieldInitExpr(string Name, CelExpr Value, bool Optional);

/// <summary>Message construction <c>pkg.Type{field: value}</c>.</summary>
internal sealed record StructExpr(int Position, string TypeName, IReadOnlyList<FieldInitExpr> Fields) : CelExpr(Position)
{
    public override int Depth { get; } = MaxDepth(Fields.Select(f => f.Value)) + 1;
}

internal enum MacroKind
{
    All,
    Exists,
    ExistsOne,
    Map,
    Filter,
    TransformList,
    TransformMap,
    TransformMapEntry,
    Bind,
    OptMap,
    OptFlatMap,
}

/// <summary>
/// An expanded macro: iterate <see cref="Range"/> binding <see cref="Var1"/> (and <see cref="Var2"/>),
/// optionally keep elements where <see cref="Filter"/> holds, and apply <see cref="Body"/>.
/// Kept as one node (not cel-spec's generic fold) so list-building macros run in linear time.
/// <see cref="MacroName"/> is the name as written, so the printer can reproduce the source.
/// </summary>
internal sealed record ComprehensionExpr(
    int Position,
    MacroKind Kind,
    string MacroName,
    CelExpr Range,
    string Var1,
    string? Var2,
    CelExpr? Filter,
    CelExpr Body) : CelExpr(Position)
{
    public override int Depth { get; } = MaxDepth([Range, Filter, Body]) + 1;
}
