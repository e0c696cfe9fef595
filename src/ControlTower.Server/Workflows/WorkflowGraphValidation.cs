using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Expressions;
using ControlTower.Core.Graphs;
using ControlTower.Core.Schemas;
using ControlTower.Core.Triggers;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Workflows;

/// <summary>
/// Validates graphs the way saving does: the graph rules, node configs against their schemas
/// (JSON Schema subset) and every CEL expression and template. Returns every problem at once.
/// </summary>
internal sealed class WorkflowGraphValidation(IOptions<WorkflowOptions> options)
{
    private static readonly GraphValidationHooks Hooks = new(
        ValidateConfig: (schema, value) => JsonSchemaValidator.Validate(schema, value).Select(v => (v.Pointer, v.Message)),
        CheckExpression: (source, isTemplate) =>
            (isTemplate ? CelTemplate.Check(source) : Cel.Check(source)).FirstOrDefault() is { } first
                ? $"{first.Message} (line {first.Line}, column {first.Column})"
                : null);

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

        return (graph, [.. GraphValidator.Validate(graph, Catalog, options.Value.Limits, Hooks), .. ScheduleProblems(graph)]);
    }

    /// <summary>Cron expressions and time zones of schedule triggers: the schema checks their shape, the parser their meaning.</summary>
    private static IEnumerable<GraphProblem> ScheduleProblems(WorkflowGraph graph)
    {
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var config = graph.Nodes[i].Config;
            if (graph.Nodes[i].Type != "trigger.schedule" || config["cron"] is not JsonValue cron || !cron.TryGetValue<string>(out var expression))
            {
                continue;
            }

            var zone = config["timeZone"] is JsonValue z && z.TryGetValue<string>(out var id) ? id : "UTC";
            GraphProblem? problem = null;
            try
            {
                CronSchedule.Parse(expression, zone);
            }
            catch (TriggerException invalid)
            {
                var field = invalid.Code == TriggerErrorCodes.TimeZoneUnknown ? "timeZone" : "cron";
                problem = new GraphProblem(invalid.Code, $"/nodes/{i}/config/{field}", invalid.Message);
            }

            if (problem is not null)
            {
                yield return problem;
            }
        }
    }

    public WorkflowGraph ValidateOrThrow(JsonNode? document)
    {
        var (graph, problems) = Validate(document);
        return problems.Count > 0 || graph is null ? throw Invalid(problems) : graph;
    }

    public static ControlTowerException Invalid(IReadOnlyList<GraphProblem> problems) =>
        new(ErrorKind.Validation, WorkflowErrorCodes.GraphInvalid, $"The graph has {problems.Count} problem(s); see 'problems'.")
        {
            Details = new Dictionary<string, object?> { ["problems"] = problems },
        };
}
