using ControlTower.Core.Errors;

namespace ControlTower.Server.Planning;

/// <summary>
/// Stable codes of the planner's server side: refusals of the request (400) and the problems a draft lists. The offline
/// planner's own codes, <c>planner.prompt_empty</c> and <c>planner.prompt_too_long</c> (also 400s here) among them, are <see cref="ControlTower.Core.Planning.PlanProblemCodes"/>.
/// </summary>
internal static class PlannerErrorCodes
{
    /// <summary><c>baseVersion</c> was given without the <c>workflowId</c> it belongs to.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string BaseVersionWithoutWorkflow = "planner.base_version_without_workflow";

    /// <summary>The catalog file given to <c>controltower plan --catalog</c> is not the shape of <c>GET /api/mcp/tools</c>.</summary>
    [ErrorCode(ErrorKind.Validation)]
    public const string CatalogInvalid = "planner.catalog_invalid";

    /// <summary>The model's graphs still failed validation after every repair round; the draft has no graph and lists the last problems.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string LlmGraphInvalid = "planner.llm_graph_invalid";

    /// <summary>The model's answer was not the JSON object asked for (counted as a failed round and fed back).</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string LlmAnswerInvalid = "planner.llm_answer_invalid";

    /// <summary>The LLM provider failed (its <c>llm.*</c> code is in the message); the draft comes from the offline planner instead.</summary>
    [ErrorCode(ErrorSurface.ProblemList)]
    public const string LlmUnavailable = "planner.llm_unavailable";
}
