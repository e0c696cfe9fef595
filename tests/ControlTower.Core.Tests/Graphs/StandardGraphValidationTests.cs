using System.Text.Json.Nodes;
using ControlTower.Core.Graphs;

namespace ControlTower.Core.Tests.Graphs;

public sealed class StandardGraphValidationTests
{
    private static IReadOnlyList<GraphProblem> ValidateMcpTrigger(string inputSchema) => StandardGraphValidation.Validate(
        JsonNode.Parse($$"""
        { "version": "1.0", "nodes": [
            { "id": "t", "type": "trigger.mcp", "config": { "toolName": "refill", "inputSchema": {{inputSchema}} } },
            { "id": "x", "type": "transform", "config": { "expression": "input" } } ],
          "edges": [ { "source": "t", "target": "x" } ] }
        """),
        GraphLimits.Default);

    [Theory]
    [InlineData("""{"type":"object","properties":{"rx":{"$ref":"#/$defs/rx"}},"$defs":{"rx":{"type":"string","pattern":"^RX-[0-9]+$"}}}""")]
    [InlineData("""{"type":"object","oneOf":[{"required":["a"]},{"required":["b"]}],"unevaluatedProperties":false,"properties":{"a":{},"b":{}}}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","definitions":{"n":{"type":"integer"}}}""")]
    public void Validate_WhenMcpTriggerInputSchemaIsJsonSchema_HasNoProblem(string inputSchema)
    {
        var problems = ValidateMcpTrigger(inputSchema);

        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"minLength":"three"}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"pattern":"(unclosed"}}}""")]
    public void Validate_WhenMcpTriggerInputSchemaIsNotJsonSchema_RefusesItAtTheSave(string inputSchema)
    {
        var problems = ValidateMcpTrigger(inputSchema);

        var problem = Assert.Single(problems);

        Assert.Equal(GraphProblemCodes.ConfigInvalid, problem.Code);
        Assert.Equal("/nodes/0/config/inputSchema", problem.JsonPointer);
    }
}
