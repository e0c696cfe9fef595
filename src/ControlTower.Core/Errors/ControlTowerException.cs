namespace ControlTower.Core.Errors;

/// <summary>What kind of failure an error is; the Server maps each kind to one HTTP status.</summary>
public enum ErrorKind
{
    Validation,
    NotFound,
    Conflict,
    Unauthorized,
    Forbidden,
    RateLimited,
    PayloadTooLarge,
    Unavailable,
    Timeout,
    Internal,
}

/// <summary>
/// The one base of every expected failure in Control Tower. <see cref="Code"/> is stable
/// (clients and tests match on it, e.g. <c>cel.parse_error</c>); the message is for people.
/// </summary>
public class ControlTowerException : Exception
{
    public ControlTowerException(ErrorKind kind, string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Code = code;
    }

    public ErrorKind Kind { get; }

    public string Code { get; }

    /// <summary>Extra machine-readable detail (problems list, position, ...) that reaches the client.</summary>
    public IReadOnlyDictionary<string, object?> Details { get; init; } = new Dictionary<string, object?>();
}
