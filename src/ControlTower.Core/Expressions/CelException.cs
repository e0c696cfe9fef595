using ControlTower.Core.Errors;

namespace ControlTower.Core.Expressions;

/// <summary>
/// Every CEL failure: parse, check, evaluation and limit errors. <see cref="ControlTowerException.Code"/>
/// is one of the <see cref="CelErrorCodes"/>; <see cref="ControlTowerException.Details"/> carries
/// <c>line</c>, <c>column</c> and <c>position</c> (0-based character offset) of the failing spot.
/// </summary>
public sealed class CelException : ControlTowerException
{
    public CelException(string code, string message, int position = -1, int line = 0, int column = 0, string? expression = null)
        : base(ErrorKind.Validation, code, message)
    {
        Position = position;
        Line = line;
        Column = column;
        Details = new Dictionary<string, object?>
        {
            ["position"] = position,
            ["line"] = line,
            ["column"] = column,
            ["expression"] = expression,
        };
    }

    /// <summary>0-based character offset in the source; -1 when unknown.</summary>
    public int Position { get; }

    /// <summary>1-based line; 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column; 0 when unknown.</summary>
    public int Column { get; }

    internal CelDiagnostic ToDiagnostic() => new(Code, Message, Line, Column, Position);
}

/// <summary>Stable codes of <see cref="CelException"/>: 400 where an expression is checked or evaluated on request, a node's error in a run.</summary>
public static class CelErrorCodes
{
    /// <summary>The expression or template does not parse.</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string ParseError = "cel.parse_error";

    /// <summary>The expression parses but fails the type check (unknown name, function or overload).</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string CheckError = "cel.check_error";

    /// <summary>Evaluation failed (division by zero, missing key, overflow, a function's own error).</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string EvalError = "cel.eval_error";

    /// <summary>Evaluation used more than its cost budget.</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string CostExceeded = "cel.cost_exceeded";

    /// <summary>A size limit was passed (source length, nesting depth, string or list size).</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string LimitExceeded = "cel.limit_exceeded";

    /// <summary>A value the expression or template builds would be larger than its output budget (bytes or elements); the details give the position.</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string OutputTooLarge = "cel.output_too_large";

    /// <summary>A value had the wrong type at run time (e.g. a condition that is not a bool).</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string TypeError = "cel.type_error";
}

/// <summary>One problem found in an expression or template, for validators (no exception).</summary>
public sealed record CelDiagnostic(string Code, string Message, int Line, int Column, int Position);
