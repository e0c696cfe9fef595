using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;
using ControlTower.Core.Schemas;
using ControlTower.Core.Triggers;

namespace ControlTower.Core.Graphs;

/// <summary>
/// The validation a saved workflow goes through, as a pure function: <see cref="GraphValidator"/> with the node configs
/// checked against their JSON Schemas, every CEL expression and template checked, and schedule triggers' cron
/// expressions and time zones parsed. Drafts from the planners pass exactly this.
/// </summary>
public static class StandardGraphValidation
{
    /// <summary>The hooks that check configs (<see cref="JsonSchemaValidator"/>) and CEL (<see cref="Cel.Check(string, CelOptions?)"/>, <see cref="CelTemplate.Check(string)"/>).</summary>
    public static GraphValidationHooks Hooks { get; } = new(
        ValidateConfig: (schema, value) => JsonSchemaValidator.Validate(schema, value).Select(v => (v.Pointer, v.Message)),
        CheckExpression: (source, isTemplate) =>
            (isTemplate ? CelTemplate.Check(source) : Cel.Check(source)).FirstOrDefault() is { } first
                ? $"{first.Message} (line {first.Line}, column {first.Column})"
                : null);

    /// <summary>Parses and validates a graph document; a document that does not parse is one problem at its pointer.</summary>
    public static IReadOnlyList<GraphProblem> Validate(JsonNode? document, GraphLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        WorkflowGraph graph;
        try
        {
            graph = WorkflowGraph.FromJson(document);
        }
        catch (GraphFormatException format)
        {
            return [new GraphProblem(format.Code, format.JsonPointer, format.Message)];
        }

        return [.. GraphValidator.Validate(graph, NodeTypeCatalog.BuiltIn, limits, Hooks), .. ScheduleProblems(graph), .. InputSchemaProblems(graph)];
    }

    /// <summary>Cron expressions and time zones of schedule triggers: the schema checks their shape, the parser their meaning.</summary>
    public static IEnumerable<GraphProblem> ScheduleProblems(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
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

    /// <summary>
    /// A trigger's <c>inputSchema</c> (what <c>trigger.mcp</c> publishes as its tool's input schema) must be a JSON Schema
    /// the validator can apply: one that is not would refuse every call at run time instead of the save.
    /// </summary>
    public static IEnumerable<GraphProblem> InputSchemaProblems(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            if (graph.Nodes[i].Type.StartsWith("trigger.", StringComparison.Ordinal)
                && graph.Nodes[i].Config["inputSchema"] is JsonObject schema
                && JsonSchemaValidator.SchemaProblem(schema) is { } problem)
            {
                yield return new GraphProblem(GraphProblemCodes.ConfigInvalid, $"/nodes/{i}/config/inputSchema", problem.Message.Replace("(root) ", "", StringComparison.Ordinal));
            }
        }
    }
}
