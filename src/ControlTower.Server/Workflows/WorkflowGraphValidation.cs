using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Graphs;
using ControlTower.Server.Mcp;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Workflows;

/// <summary>
/// Validates graphs the way saving does: the graph rules, node configs against their schemas
/// (JSON Schema subset) and every CEL expression and template. Returns every problem at once.
/// Saves and drafts also check MCP tool references against the registered servers' catalogs (<see cref="ToolReferences"/>).
/// </summary>
internal sealed class WorkflowGraphValidation(IOptions<WorkflowOptions> options, McpServerRegistry? registry = null, McpCatalog? catalog = null)
{
    public NodeTypeCatalog Catalog { get; } = NodeTypeCatalog.BuiltIn;

    /// <summary>Parses and validates; a graph that does not even parse is one problem at its pointer.</summary>
    public (WorkflowGraph? Graph, IReadOnlyList<GraphProblem> Problems) Validate(JsonNode? document)
    {
        WorkflowGraph graph;
        try
        {
            graph = WorkflowGraph.FromJson(document);
        }
        catch (GraphFormatException format)
        {
            return (null, [new GraphProblem(format.Code, format.JsonPointer, format.Message)]);
        }

        return (graph, [.. GraphValidator.Validate(graph, Catalog, options.Value.Limits, StandardGraphValidation.Hooks),
            .. StandardGraphValidation.ScheduleProblems(graph), .. StandardGraphValidation.InputSchemaProblems(graph)]);
    }

    /// <summary>
    /// <see cref="Validate"/> plus the tool references against <paramref name="tools"/> (default: the registered servers and
    /// the catalogs loaded so far): unknown servers and tools are problems, unloaded catalogs warnings.
    /// </summary>
    public (WorkflowGraph? Graph, IReadOnlyList<GraphProblem> Problems, IReadOnlyList<GraphProblem> Warnings) ValidateWithTools(JsonNode? document, ToolCatalogView? tools = null)
    {
        var (graph, problems) = Validate(document);
        if (graph is null)
        {
            return (null, problems, []);
        }

        var (errors, warnings) = ToolReferences.Check(graph, tools ?? RegisteredTools());
        return (graph, [.. problems, .. errors], warnings);
    }

    /// <summary>The registered servers with the tools of those whose catalog is loaded.</summary>
    public ToolCatalogView RegisteredTools()
    {
        var servers = registry?.List() ?? [];
        var loaded = servers.Select(s => catalog?.Get(s.Id)).OfType<McpCatalogSnapshot>().ToArray();
        return ToolCatalogView.Of(loaded.SelectMany(s => s.Tools.Select(t => (s.ServerId, t.Name))), servers.Select(s => s.Id));
    }

    public WorkflowGraph ValidateOrThrow(JsonNode? document)
    {
        var (graph, problems, _) = ValidateWithTools(document);
        return problems.Count > 0 || graph is null ? throw Invalid(problems) : graph;
    }

    public static ControlTowerException Invalid(IReadOnlyList<GraphProblem> problems) =>
        new(ErrorKind.Validation, WorkflowErrorCodes.GraphInvalid, $"The graph has {problems.Count} problem(s); see 'problems'.")
        {
            Details = new Dictionary<string, object?> { ["problems"] = problems },
        };
}
