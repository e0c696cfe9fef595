using System.Text.Json.Nodes;

namespace ControlTower.Core.Planning;

/// <summary>An MCP tool a planner may use, as <c>GET /api/mcp/tools</c> lists it (no credentials, ever).</summary>
public sealed record PlannerTool(
    string Server,
    string Tool,
    string? Title,
    string? Description,
    JsonObject? InputSchema,
    JsonObject? OutputSchema)
{
    public string Name => $"{Server}/{Tool}";
}

/// <summary>
/// What to plan: the request in words, the tools available, and, for a refinement, the graph being refined
/// (null for a new workflow).
/// </summary>
public sealed record PlanRequest(string Prompt, IReadOnlyList<PlannerTool> Catalog, JsonObject? BaseGraph);

/// <summary>Why a node is in the draft, in a sentence a person reads beside the canvas.</summary>
public sealed record PlanExplanation(string NodeId, string Text);

/// <summary>Something the planner could not resolve (an unknown tool with its closest matches, an ambiguous clause).</summary>
public sealed record PlanProblem(string Code, string Message, string? Pointer);

/// <summary>
/// A draft: a graph that passed the same validation as a saved workflow, or null with the problems that
/// prevented one. <see cref="Planner"/> is <c>offline</c> or <c>llm</c>; <see cref="Model"/> names the LLM model.
/// </summary>
public sealed record PlanDraft(
    JsonObject? Graph,
    IReadOnlyList<PlanExplanation> Explanation,
    IReadOnlyList<string> Assumptions,
    IReadOnlyList<PlanProblem> Problems,
    string Planner,
    string? Model);
