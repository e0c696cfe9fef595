using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace ControlTower.Core.Schemas;

/// <summary>One rule an instance broke. <see cref="Pointer"/> is an RFC 6901 JSON pointer into the instance ("" is the root).</summary>
public sealed record SchemaViolation(string Pointer, string Keyword, string Message);

/// <summary>
/// Validates JSON against a JSON Schema with JsonSchema.Net: full draft 2020-12 (the dialect MCP tool schemas default to),
/// draft-07 and draft-06 when <c>$schema</c> says so, and draft-07 array <c>items</c> when a schema without <c>$schema</c>
/// is only valid that way. Every violation is returned with the instance pointer and the keyword; messages never quote
/// instance values, since arguments may carry secrets. <c>format</c> is an annotation, as 2020-12 defines it by default:
/// tool servers use it loosely and check their own inputs. References resolve inside the schema only (nothing is fetched).
/// </summary>
public static class JsonSchemaValidator
{
    private static readonly ConditionalWeakTable<JsonNode, Compiled> Cache = [];
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.Hierarchical };

    static JsonSchemaValidator() => SchemaMessages.Configure();

    public static IReadOnlyList<SchemaViolation> Validate(JsonNode schema, JsonNode? instance)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var compiled = Cache.GetValue(schema, Compile);
        if (compiled.Schema is null)
        {
            return [compiled.Failure!];
        }

        try
        {
            var results = compiled.Schema.Evaluate(JsonSerializer.SerializeToElement(instance), Evaluation);
            return results.IsValid ? [] : SchemaResultReader.Read(results);
        }
        catch (JsonSchemaException invalid)
        {
            return [Describe(invalid)];
        }
    }

    /// <summary>Why <paramref name="schema"/> is not a JSON Schema this validator can apply, or null when it is.</summary>
    public static SchemaViolation? SchemaProblem(JsonNode schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return Cache.GetValue(schema, Compile).Failure;
    }

    private sealed record Compiled(JsonSchema? Schema, SchemaViolation? Failure);

    private static Compiled Compile(JsonNode schema)
    {
        var source = DraftFourBounds.Rewrite(schema);
        try
        {
            return new Compiled(Build(source, Dialect.Draft202012), null);
        }
        catch (JsonSchemaException) when (source is JsonObject root && !root.ContainsKey("$schema") && TryDraft7(source) is { } legacy)
        {
            return new Compiled(legacy, null);
        }
        catch (JsonSchemaException invalid)
        {
            return new Compiled(null, Describe(invalid));
        }
        catch (RegexParseException)
        {
            return new Compiled(null, new SchemaViolation("", "pattern", "(root) the schema's pattern is invalid"));
        }
    }

    private static JsonSchema? TryDraft7(JsonNode source)
    {
        try
        {
            return Build(source, Dialect.Draft07);
        }
        catch (JsonSchemaException)
        {
            return null;
        }
    }

    /// <summary>Each schema gets its own registry and base URI: schemas from different servers never see each other's ids.</summary>
    private static JsonSchema Build(JsonNode source, Dialect dialect) => JsonSchema.Build(
        JsonSerializer.SerializeToElement(source),
        new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = dialect },
        new Uri($"urn:controltower:schema:{Guid.NewGuid():N}"));

    /// <summary>A reference that does not resolve, or only to itself ("Cycle detected"), is a <c>$ref</c> problem.</summary>
    private static SchemaViolation Describe(JsonSchemaException invalid) =>
        invalid is RefResolutionException || invalid.Message.Contains("Cycle", StringComparison.Ordinal)
            ? new SchemaViolation("", "$ref", "(root) schema reference cannot be resolved")
            : new SchemaViolation("", "$schema", $"(root) the schema is not valid JSON Schema: {invalid.Message}");
}
