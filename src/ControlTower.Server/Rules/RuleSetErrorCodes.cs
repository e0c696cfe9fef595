using ControlTower.Core.Errors;

namespace ControlTower.Server.Rules;

/// <summary>Stable codes of the rule set API (the engine's own are <see cref="Core.Rules.RuleErrorCodes"/> and <see cref="Core.Rules.RuleProblemCodes"/>).</summary>
internal static class RuleSetErrorCodes
{
    /// <summary>No rule set with this id, or it has no such version.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string NotFound = "rules.not_found";

    /// <summary>A rule set with this id exists; PUT a new version instead.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string Exists = "rules.exists";

    /// <summary>The rule set id does not match <c>^[a-z0-9][a-z0-9_.-]{0,99}$</c>.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string IdInvalid = "rules.id_invalid";

    /// <summary>An evaluation request has no <c>input</c> object.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string InputRequired = "rules.input_required";

    /// <summary>The rule set changed while a new version was being saved; load it again. Retryable.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string ConcurrentUpdate = "rules.concurrent_update";
}
