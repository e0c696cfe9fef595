namespace ControlTower.Core.Expressions;

/// <summary>Entry point: compile CEL source once, evaluate the program many times.</summary>
public static class Cel
{
    /// <summary>Parses (and expands macros of) the source.</summary>
    /// <exception cref="CelException"><c>cel.parse_error</c> or <c>cel.limit_exceeded</c>, with line/column.</exception>
    public static CelProgram Compile(string source, CelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= CelOptions.Default;
        var ast = CelParser.Parse(source, options);
        return new CelProgram(source, ast, options);
    }

    /// <summary>Problems of the source, empty when it compiles; never throws a <see cref="CelException"/>.</summary>
    public static IReadOnlyList<CelDiagnostic> Check(string source, CelOptions? options = null)
    {
        try
        {
            Compile(source, options);
            return [];
        }
        catch (CelException ex)
        {
            return [ex.ToDiagnostic()];
        }
    }
}
