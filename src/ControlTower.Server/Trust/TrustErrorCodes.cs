using ControlTower.Core.Errors;

namespace ControlTower.Server.Trust;

/// <summary>Stable error codes of the trust API.</summary>
internal static class TrustErrorCodes
{
    /// <summary>No trust scope with this key (it has had no events and no pin).</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string ScopeNotFound = "trust.scope_not_found";

    /// <summary>A scope key is not <c>tenant|site|queue|actionType|role</c> with a non-empty action type, or a part is too long.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string ScopeInvalid = "trust.scope_invalid";

    /// <summary>A trust event is malformed: unknown kind, a result its kind does not take, a missing proposal id, a bad number.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string EventInvalid = "trust.event_invalid";

    /// <summary>The idempotency key was used before for a different event.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string EventConflict = "trust.event_conflict";

    /// <summary>A pin names no stage of the ladder, or comes without a reason.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string PinInvalid = "trust.pin_invalid";

    /// <summary>A resolve-mode request lacks its scope or has a context that is not an object.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string ResolveInvalid = "trust.resolve_invalid";

    /// <summary>Another process holds the trainer lease and is training the trust models.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string TrainingInProgress = "trust.training_in_progress";
}
