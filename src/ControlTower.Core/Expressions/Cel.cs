namespace ControlTower.Core.Expressions;

/// <summary>Entry point: compile CEL source once, evaluate the program many times.</summary>
public static class Cel
{
    /// <summary>Parses (and expands macros of) the source; type-checks it when <see cref="CelOptions.Variables"/> are declared.</summary>
    /// <exception cref="CelException"><c>cel.parse_error</c>, <c>cel.check_error</c> or <c>cel.limit_exceeded</c>, with line/column.</exception>
    public static CelProgram Compile(string source, CelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= CelOptions.Default;
        var ast = CelParser.Parse(source, options);
        string? resultType = null;
        if (options.Variables is not null)
        {
            var (type, errors) = CelChecker.Check(source, ast, options);
            if (errors.Count > 0)
            {
                var first = errors[0];
                throw new CelException(first.Code, string.Join("\n", errors.Select(e => e.Message)), first.Position, first.Line, first.Column);
            }

            resultType = type.ToString();
        }

        return new CelProgram(source, ast, options, resultType);
    }

    /// <summary>Every problem of the source (syntax, limits, and type errors when variables are declared); empty when it compiles. Never throws a <see cref="CelException"/>.</summary>
    public static IReadOnlyList<CelDiagnostic> Check(string source, CelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= CelOptions.Default;
        try
        {
            var ast = CelParser.Parse(source, options);
            return options.Variables is null ? [] : CelChecker.Check(source, ast, options).Errors;
        }
        catch (CelException ex)
        {
            return [ex.ToDiagnostic()];
        }
    }
}
