using ControlTower.Core.Errors;

namespace ControlTower.Core.Rules;

/// <summary>Stable codes of the rules engine.</summary>
public static class RuleErrorCodes
{
    public const string DefinitionInvalid = "rules.definition_invalid";
    public const string UniqueViolation = "rules.unique_violation";
}

/// <summary>A rule set that cannot be read or evaluated as asked.</summary>
public sealed class RuleException(string code, string message) : ControlTowerException(ErrorKind.Validation, code, message);

/// <summary>One problem of a rule set definition, at a JSON pointer into it.</summary>
public sealed record RuleProblem(string Code, string Pointer, string Message);
