using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;

namespace ControlTower.Core.Planning;

/// <summary>
/// The embedded, deterministic planner: no model, no I/O. It reads the request's clauses (<see cref="ClauseParser"/>),
/// picks a tool or built-in node for each action (<see cref="ToolRanker"/>), fills arguments, lays the graph out
/// (<see cref="GraphLayout"/>) and validates it exactly as a save would (<see cref="StandardGraphValidation"/>).
/// With a <see cref="PlanRequest.BaseGraph"/> it applies the request as refinements to that graph instead
/// (<see cref="GraphRefiner"/>). A draft that does not validate, or an action no tool can do, comes back with
/// <see cref="PlanDraft.Graph"/> null and the problems: never a broken or guessed graph. Same request, same draft.
/// </summary>
public sealed class OfflinePlanner
{
    public const string PlannerName = "offline";

    /// <summary>The default longest request, in characters; the clause parser's cost grows with it.</summary>
    public const int DefaultMaxPromptLength = 4000;

    // The ranking index of a catalog is built once per catalog instance (a server passes the same snapshot many times).
    private static readonly ConditionalWeakTable<IReadOnlyList<PlannerTool>, ToolRanker> Rankers = new();

    private readonly GraphLimits _limits;
    private readonly int _maxPromptLength;

    public OfflinePlanner(GraphLimits? limits = null, int maxPromptLength = DefaultMaxPromptLength)
    {
        _limits = limits ?? GraphLimits.Default;
        _maxPromptLength = maxPromptLength;
    }

    public PlanDraft Plan(PlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Prompt))
        {
            return Refused([new PlanProblem(PlanProblemCodes.PromptEmpty, "The request is empty: describe what the workflow should do.", "/prompt")], []);
        }

        if (request.Prompt.Length > _maxPromptLength)
        {
            return Refused([new PlanProblem(PlanProblemCodes.PromptTooLong, $"The request has {request.Prompt.Length} characters; the limit is {_maxPromptLength}.", "/prompt")], []);
        }

        var ranker = Rankers.GetValue(request.Catalog, catalog => new ToolRanker(catalog));
        return request.BaseGraph is { } baseGraph ? Refine(request, baseGraph, ranker) : Create(request, ranker);
    }

    private PlanDraft Create(PlanRequest request, ToolRanker ranker)
    {
        var parsed = ClauseParser.Parse(request.Prompt);
        var builder = new PlanGraphBuilder(request, parsed.Values, ranker);
        var graph = builder.Build(parsed);
        if (builder.Problems.Count > 0)
        {
            return Refused(builder.Problems, builder.Assumptions);
        }

        if (((JsonArray)graph["nodes"]!).Count < 2)
        {
            return Refused([new PlanProblem(PlanProblemCodes.NothingToDo,
                "The request names no step to take after the trigger (e.g. \"check the stock, then reply with it\").", "/prompt")],
                builder.Assumptions);
        }

        return Finish(graph, builder.Explanations, builder.Assumptions);
    }

    private PlanDraft Refine(PlanRequest request, JsonObject baseGraph, ToolRanker ranker)
    {
        var baseProblems = StandardGraphValidation.Validate(baseGraph, GraphLimits.Unbounded).Where(p => p.Code == GraphErrorCodes.JsonInvalid).ToList();
        if (baseProblems.Count > 0 || baseGraph["nodes"] is not JsonArray || baseGraph["edges"] is not JsonArray)
        {
            return Refused([new PlanProblem(PlanProblemCodes.RefinementUnresolved, "The graph to refine is not a workflow graph document (it needs nodes and edges arrays).", "/baseGraph")], []);
        }

        var refiner = new GraphRefiner(request, ranker);
        var graph = refiner.Apply((JsonObject)baseGraph.DeepClone());
        return refiner.Problems.Count > 0 || graph is null
            ? Refused(refiner.Problems, refiner.Assumptions)
            : Finish(graph, Kept(graph, refiner.Explanations), refiner.Assumptions);
    }

    private PlanDraft Finish(JsonObject built, IReadOnlyList<PlanExplanation> explanations, IReadOnlyList<string> assumptions)
    {
        GraphLayout.Arrange(built);

        // Re-read from its text: the caller gets a tree like any parsed document (numbers as JSON numbers, not CLR ints).
        var graph = JsonNode.Parse(built.ToJsonString())!.AsObject();
        var problems = StandardGraphValidation.Validate(graph, _limits);
        if (problems.Count > 0)
        {
            return Refused([.. problems.Select(p => new PlanProblem(PlanProblemCodes.DraftInvalid, $"{p.Code}: {p.Message}", p.JsonPointer))], assumptions);
        }

        return new PlanDraft(graph, [.. explanations], [.. assumptions.Distinct(StringComparer.Ordinal)], [], PlannerName, null);
    }

    /// <summary>The refinement's own explanations, then one for every node it did not touch.</summary>
    private static List<PlanExplanation> Kept(JsonObject graph, IReadOnlyList<PlanExplanation> changes)
    {
        var explained = changes.Select(e => e.NodeId).ToHashSet(StringComparer.Ordinal);
        return [.. changes, .. ((JsonArray)graph["nodes"]!).Select(n => (string?)n?["id"] ?? "").Where(id => !explained.Contains(id))
            .Select(id => new PlanExplanation(id, "Kept as it was in the workflow being refined."))];
    }

    // A refused draft has no nodes to explain; the assumptions made on the way still tell what was understood.
    private static PlanDraft Refused(IReadOnlyList<PlanProblem> problems, IReadOnlyList<string> assumptions) =>
        new(null, [], [.. assumptions.Distinct(StringComparer.Ordinal)], [.. problems], PlannerName, null);
}
