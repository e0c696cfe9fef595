using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Expressions;

namespace ControlTower.Server.Nodes;

/// <summary>
/// CEL for executors: expressions compiled once through the shared <see cref="CelCompileCache"/> and
/// evaluated over the node's activation, templates (<c>{{ ... }}</c>) rendered over it. Failures throw
/// <see cref="CelException"/> with the CEL code and the config field in the message;
/// <see cref="NodeFailures.Guard"/> turns them into non-retryable failures.
/// </summary>
internal sealed class NodeExpressions(CelCompileCache cache)
{
    public JsonNode? Evaluate(string field, string expression, JsonObject activation)
    {
        try
        {
            return cache.GetOrCompile(expression).Evaluate(activation);
        }
        catch (CelException ex)
        {
            throw InField(field, ex);
        }
    }

    /// <exception cref="CelException"><c>cel.type_error</c> when the value is not a bool.</exception>
    public bool EvaluateBool(string field, string expression, JsonObject activation)
    {
        try
        {
            return cache.GetOrCompile(expression).EvaluateBool(activation);
        }
        catch (CelException ex)
        {
            throw InField(field, ex);
        }
    }

    /// <summary>Renders every string inside <paramref name="template"/> (a JSON tree) as a template; the result is a fresh tree.</summary>
    public static JsonNode? Render(string field, JsonNode? template, JsonObject activation)
    {
        try
        {
            return CelTemplate.RenderTree(template, activation);
        }
        catch (CelException ex)
        {
            throw InField(field, ex);
        }
    }

    /// <summary>Renders a template to text: strings as they are, other values as their JSON text.</summary>
    public static string RenderText(string field, string template, JsonObject activation) => AsText(Render(field, JsonValue.Create(template), activation));

    public static string AsText(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "null";

    private static CelException InField(string field, CelException ex) =>
        new(ex.Code, $"config.{field}: {ex.Message}", ex.Position, ex.Line, ex.Column, ex.Details.GetValueOrDefault("expression") as string);
}
