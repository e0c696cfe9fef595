using ControlTower.Core.Errors;

namespace ControlTower.Core.Rules;

/// <summary>Stable codes of the rules engine.</summary>
public static class RuleErrorCodes
{
    /// <summary>The rule set definition has problems; the message lists each one with its JSON pointer.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string DefinitionInvalid = "rules.definition_invalid";

    /// <summary>A <c>unique</c> hit-policy rule set matched more than one rule for the input.</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.RunError)]
    public const string UniqueViolation = "rules.unique_violation";
}

/// <summary>The codes of <see cref="RuleProblem"/>: one per thing a rule set definition can get wrong.</summary>
public static class RuleProblemCodes
{
    /// <summary>The rule set is not a JSON object.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string NotAnObject = "rules.not_an_object";

    /// <summary><c>inputSchema</c> is present but not a JSON Schema object.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string InputSchemaInvalid = "rules.input_schema_invalid";

    /// <summary><c>rules</c> is missing or not an array.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string RulesMissing = "rules.rules_missing";

    /// <summary>The rule set holds more rules than allowed.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string TooMany = "rules.too_many";

    /// <summary>Two rules share an id.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string RuleIdDuplicate = "rules.rule_id_duplicate";

    /// <summary><c>hitPolicy</c> is not first, collect or unique.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string HitPolicyInvalid = "rules.hit_policy_invalid";

    /// <summary>An entry of <c>rules</c> is not an object.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string RuleInvalid = "rules.rule_invalid";

    /// <summary>A rule id does not match <c>^[A-Za-z0-9_.-]{1,100}$</c>.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string RuleIdInvalid = "rules.rule_id_invalid";

    /// <summary>A rule has no CEL <c>condition</c>.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string ConditionMissing = "rules.condition_missing";

    /// <summary>A rule's <c>priority</c> is not an integer.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string PriorityInvalid = "rules.priority_invalid";

    /// <summary>A rule's <c>enabled</c> is not a boolean.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string EnabledInvalid = "rules.enabled_invalid";

    /// <summary>A rule's action is not one of the known types with its required fields.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string ActionInvalid = "rules.action_invalid";

    /// <summary>A rule's condition is not valid CEL.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string ConditionInvalid = "rules.condition_invalid";

    /// <summary>A condition reads a name the declared <c>inputSchema</c> does not have.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string ConditionUndeclared = "rules.condition_undeclared";
}

/// <summary>A rule set that cannot be read or evaluated as asked.</summary>
public sealed class RuleException(string code, string message) : ControlTowerException(ErrorKind.Validation, code, message);

/// <summary>One problem of a rule set definition, at a JSON pointer into it.</summary>
public sealed record RuleProblem(string Code, string Pointer, string Message);
