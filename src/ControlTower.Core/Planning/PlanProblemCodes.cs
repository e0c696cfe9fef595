using ControlTower.Core.Errors;

namespace ControlTower.Core.Planning;

/// <summary>The stable codes of <see cref="PlanProblem"/>.</summary>
public static class PlanProblemCodes
{
    /// <summary>The request is empty: there is nothing to plan (a 400 from <c>POST /api/planner/drafts</c>).</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.ProblemList)]
    public const string PromptEmpty = "planner.prompt_empty";

    /// <summary>The request is longer than the planner's limit (4000 characters by default; a 400 from <c>POST /api/planner/drafts</c> over <c>PLANNER_MAX_PROMPT_CHARS</c>).</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.ProblemList)]
    public const string PromptTooLong = "planner.prompt_too_long";

    /// <summary>An action names a tool (or asks for something) that no server of the catalog offers; the message lists the closest matches.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string ToolUnknown = "planner.tool_unknown";

    /// <summary>An action names a server the catalog does not have.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string ServerUnknown = "planner.server_unknown";

    /// <summary>The request describes no step the planner could turn into a node.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string NothingToDo = "planner.nothing_to_do";

    /// <summary>A refinement names a node the base graph does not have, or a change the planner cannot make.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string RefinementUnresolved = "planner.refinement_unresolved";

    /// <summary>The draft failed graph validation (the problem's message carries the validator's code and pointer); no graph is returned.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string DraftInvalid = "planner.draft_invalid";
}
