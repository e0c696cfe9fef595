using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;
using ControlTower.Core.Planning;
using ControlTower.Server.Workflows;

namespace ControlTower.Server.Planning;

/// <summary>
/// The validation every draft passes, whoever planned it: the save rules of <see cref="WorkflowGraphValidation"/> plus the
/// tool references against the catalog the planner was given. A planner cannot change it: it only reads the answer.
/// </summary>
internal sealed class DraftChecker(WorkflowGraphValidation validation, ToolCatalogView tools)
{
    public (IReadOnlyList<GraphProblem> Problems, IReadOnlyList<GraphProblem> Warnings) Check(JsonNode? graph)
    {
        var (_, problems, warnings) = validation.ValidateWithTools(graph, tools);
        return (problems, warnings);
    }

    /// <summary>The tools a planner may name, as a view for the check: the catalog's servers, plus those known without a catalog.</summary>
    public static ToolCatalogView ViewOf(IReadOnlyList<PlannerTool> catalog, IEnumerable<string> serversWithoutCatalog) =>
        ToolCatalogView.Of(catalog.Select(t => (t.Server, t.Tool)), serversWithoutCatalog);

    public static PlanProblem ToPlanProblem(GraphProblem problem) => new(problem.Code, problem.Message, problem.JsonPointer);
}
