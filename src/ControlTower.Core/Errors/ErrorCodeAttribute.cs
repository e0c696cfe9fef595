namespace ControlTower.Core.Errors;

/// <summary>Where a client meets a stable error code. A code may show up in more than one place.</summary>
[Flags]
public enum ErrorSurface
{
    /// <summary>The <c>code</c> of a ProblemDetails answer; the <see cref="ErrorKind"/> decides its HTTP status.</summary>
    ProblemDetails = 1,

    /// <summary>The error of a failed node or run (run detail, run stream, webhook answer), never an HTTP status of its own.</summary>
    RunError = 2,

    /// <summary>One entry of a problems list (graph or rule set validation), inside a 200 validation report or an error's details.</summary>
    ProblemList = 4,

    /// <summary>The error result of an MCP tool (the demo pharmacy server), read by the workflow that called it.</summary>
    ToolResult = 8,

    /// <summary>A field of an answer that is itself a success (an audit verification's problem, an audit entry's data, a governed execution's last rollback error).</summary>
    Report = 16,

    /// <summary>Printed by a command-line command or by the server refusing to start (a non-zero exit code), not an HTTP answer.</summary>
    Cli = 32,
}

/// <summary>
/// Marks a <c>const string</c> of an <c>*ErrorCodes</c> / <c>*ProblemCodes</c> class as a stable code clients
/// see, and says how. The error catalog (docs/error-codes.md) is generated from these and its test keeps it true.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class ErrorCodeAttribute : Attribute
{
    /// <summary>A code that reaches ProblemDetails with the status of <paramref name="kind"/>, and maybe also <paramref name="alsoIn"/>.</summary>
    public ErrorCodeAttribute(ErrorKind kind, ErrorSurface alsoIn = 0)
    {
        Kind = kind;
        Surface = ErrorSurface.ProblemDetails | alsoIn;
    }

    /// <summary>A code that never reaches ProblemDetails itself.</summary>
    public ErrorCodeAttribute(ErrorSurface surface)
    {
        Surface = surface;
    }

    /// <summary>The kind a ProblemDetails answer with this code has; meaningful only when <see cref="Surface"/> has <see cref="ErrorSurface.ProblemDetails"/>.</summary>
    public ErrorKind Kind { get; }

    public ErrorSurface Surface { get; }

    /// <summary>The HTTP status when it is written directly and no kind maps to it (405, 415); 0 means the kind's status.</summary>
    public int Status { get; set; }
}
